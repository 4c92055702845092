import { describe, expect, it } from 'vitest';
import { Redactor } from '../redactor.js';
import { ordinaryCases } from './corpus/ordinary-cases.fixture.js';
import { secretCases } from './corpus/secret-cases.fixture.js';

/** Every string in a redacted value, plus its JSON text (so keys and nesting are covered too). */
function texts(value: unknown): string[] {
  const found: string[] = [JSON.stringify(value)];
  const visit = (item: unknown) => {
    if (typeof item === 'string') found.push(item);
    else if (Array.isArray(item)) item.forEach(visit);
    else if (item && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        found.push(key);
        visit(child);
      }
    }
  };
  visit(value);
  return found;
}

function redactedBoth(redactor: Redactor, input: unknown): unknown[] {
  return typeof input === 'string'
    ? [redactor.redact(input), redactor.redactString(input)]
    : [redactor.redact(input)];
}

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

describe('Redactor corpus', () => {
  const redactor = new Redactor();

  it('is large enough to mean something', () => {
    expect(secretCases.length).toBeGreaterThanOrEqual(150);
    expect(ordinaryCases.length).toBeGreaterThanOrEqual(150);
    // A fixture bug (an empty secret) would make every check pass.
    for (const { name, secret } of secretCases) expect(secret.length, name).toBeGreaterThanOrEqual(8);
  });

  it('removes every secret shape (recall 100 %) and leaves ordinary values alone (≤ 1 % altered)', () => {
    const leaked = secretCases.filter(({ input, secret }) =>
      redactedBoth(redactor, input).some((output) => texts(output).some((text) => text.includes(secret))),
    );
    const altered = ordinaryCases.filter((input) =>
      redactedBoth(redactor, input).some((output) => JSON.stringify(output) !== JSON.stringify(input)),
    );
    const recall = secretCases.length - leaked.length;
    console.log(
      `[redaction corpus] secrets: ${secretCases.length}, redacted ${recall} (recall ${percent(recall, secretCases.length)}); ` +
        `ordinary: ${ordinaryCases.length}, altered ${altered.length} (over-redaction ${percent(altered.length, ordinaryCases.length)})`,
    );
    expect(
      leaked.map(({ name, input }) => ({ name, input, output: redactor.redact(input) })),
      'secrets that survived',
    ).toEqual([]);
    expect(
      altered.length / ordinaryCases.length,
      JSON.stringify(
        altered.map((input) => ({ input, output: redactor.redact(input) })),
        null,
        1,
      ),
    ).toBeLessThanOrEqual(0.01);
  });

  it('without the built-in rules, the same corpus leaks: the rules are what holds it', () => {
    const bare = new Redactor({ replaceDefaults: true });
    const leaked = secretCases.filter(({ input, secret }) =>
      JSON.stringify(bare.redact(input)).includes(secret),
    );
    expect(leaked.length).toBeGreaterThan(secretCases.length / 2);
  });
});
