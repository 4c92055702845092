import type { Span } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../audit-log/redactor.js';
import { ToolContentRecorder } from './tool-content-telemetry.js';

/** A recording span that keeps its attributes. */
function fakeSpan(): { span: Span; attributes: Map<string, unknown> } {
  const attributes = new Map<string, unknown>();
  const span = {
    isRecording: () => true,
    setAttribute: (key: string, value: unknown) => {
      attributes.set(key, value);
      return span;
    },
  } as unknown as Span;
  return { span, attributes };
}

/** A redactor that remembers the longest text it was asked to scan. */
class MeasuringRedactor extends Redactor {
  longest = 0;
  override redactString(text: string): string {
    this.longest = Math.max(this.longest, text.length);
    return super.redactString(text);
  }
}

const RESULT = 'gen_ai.tool.call.result';

describe('ToolContentRecorder', () => {
  it('redacts a secret that crosses the maxLength cut before cutting', () => {
    const recorder = ToolContentRecorder.from({ maxLength: 64 })!;
    const { span, attributes } = fakeSpan();
    // The password's value starts at index 60: a cut at 63 before redaction would show "hun".
    const value = `${'a'.repeat(50)} password=hunter2-very-secret-value ${'b'.repeat(10_000)}`;
    recorder.record(span, 'result', value);
    const shown = attributes.get(RESULT) as string;
    // What redaction removed shortens what is shown: the window's end is never shown.
    expect(shown.length).toBeLessThanOrEqual(64);
    expect(shown.startsWith('a'.repeat(45))).toBe(true);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown).not.toContain('hun');
  });

  it('scans only a window past maxLength of a large text, and never shows the window’s end', () => {
    const redactor = new MeasuringRedactor();
    const recorder = ToolContentRecorder.from({ maxLength: 4096, redactor })!;
    const { span, attributes } = fakeSpan();
    // A private key that starts inside the window and ends past it: only its start is scanned.
    const key = `-----BEGIN PRIVATE KEY-----\n${'Q'.repeat(8_000)}\n-----END PRIVATE KEY-----`;
    recorder.record(span, 'result', `${'lorem ipsum '.repeat(340)}${key}${'tail '.repeat(1_000_000)}`);
    expect(redactor.longest).toBeLessThanOrEqual(4096 + 1024);
    const shown = attributes.get(RESULT) as string;
    expect(shown.length).toBeLessThanOrEqual(4096);
    expect(shown).not.toMatch(/Q{4}/);
  });

  it('bounds a large JSON text and a large object, still redacting by key', () => {
    const redactor = new MeasuringRedactor();
    const recorder = ToolContentRecorder.from({ maxLength: 256, redactor })!;
    const rows = Array.from({ length: 50_000 }, (_, index) => ({ id: index, note: 'x'.repeat(40) }));
    for (const value of [
      { password: 'hunter2-secret', rows },
      JSON.stringify({ password: 'hunter2-secret', rows }),
    ]) {
      const { span, attributes } = fakeSpan();
      recorder.record(span, 'result', value);
      const shown = attributes.get(RESULT) as string;
      expect(shown.length).toBeLessThanOrEqual(256);
      expect(shown).toContain('"password":"[REDACTED]"');
      expect(shown).toContain('"rows":[{"id":0');
      expect(shown).not.toContain('hunter2');
    }
    expect(redactor.longest).toBeLessThanOrEqual(256 + 1024 + 64);
  });

  it('keeps a small value whole, as before', () => {
    const recorder = ToolContentRecorder.from(true)!;
    const { span, attributes } = fakeSpan();
    recorder.record(span, 'arguments', { city: 'Oslo', apiKey: 'sk-live-5UPERSECRET' });
    expect(JSON.parse(attributes.get('gen_ai.tool.call.arguments') as string)).toEqual({
      city: 'Oslo',
      apiKey: '[REDACTED]',
    });
  });
});
