import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { parseLabelledPairs } from './labelled-pair.js';

describe('parseLabelledPairs', () => {
  it('reads one pair per line, skipping blank lines and keeping extra fields', () => {
    const text =
      '{"id":"1","label":"paraphrase","kind":"typo","a":"x","b":"y","domain":"email"}\n\n' +
      '{"id":"2","label":"near-miss","kind":"mine","a":"x","b":"z","note":"own field"}\r\n';
    const pairs = parseLabelledPairs(text);
    expect(pairs.map((pair) => pair.id)).toEqual(['1', '2']);
    expect(pairs[0]!.domain).toBe('email');
    expect(pairs[1]).toMatchObject({ kind: 'mine', note: 'own field' });
  });

  it('names the bad line: not JSON, missing field, empty text, wrong label, repeated id', () => {
    const good = '{"id":"1","label":"paraphrase","kind":"typo","a":"x","b":"y"}';
    const cases: [string, RegExp][] = [
      [`${good}\n{oops`, /line 2 is not JSON/],
      [`${good}\n{"id":"2","label":"paraphrase","kind":"typo","a":"x"}`, /line 2.*b/],
      [`{"id":"2","label":"paraphrase","kind":"typo","a":" ","b":"y"}`, /line 1.*must not be empty/],
      [`{"id":"2","label":"same","kind":"typo","a":"x","b":"y"}`, /line 1.*label/],
      [`${good}\n${good}`, /line 2: id 1 is used twice/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseLabelledPairs(text)).toThrow(InvalidInputError);
      expect(() => parseLabelledPairs(text)).toThrow(message);
    }
  });
});
