import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStyle } from './output.js';
import { escapeControl, jsonText, terminalSafe } from './terminal-text.js';

// oxlint-disable-next-line no-control-regex -- asserting that no control character remains
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const anyText = fc.string({ unit: 'binary', maxLength: 60 });

describe('escapeControl', () => {
  it('renders C0 as \\xHH and C1, separators and bidi controls as \\uHHHH', () => {
    expect(escapeControl('a\u001b[2J\u001b]0;t\u0007\r\n\t\u007f')).toBe(
      'a\\x1b[2J\\x1b]0;t\\x07\\x0d\\x0a\\x09\\x7f',
    );
    expect(escapeControl('\u009b31m \u0085 \u2028 \u202e \u2066')).toBe(
      '\\u009b31m \\u0085 \\u2028 \\u202e \\u2066',
    );
    expect(escapeControl('plain é 🙂 text')).toBe('plain é 🙂 text');
  });

  it('leaves no control character in any text', () => {
    fc.assert(fc.property(anyText, (text) => !ANY_CONTROL.test(escapeControl(text))));
  });
});

describe('terminalSafe', () => {
  it("keeps newlines and the CLI's own colours, escapes everything else", () => {
    const style = createStyle(true);
    const line = `${style.red('open')} ${style.bold('x')}\n`;
    expect(terminalSafe(line)).toBe(line);
    expect(terminalSafe('a\u001b[2Jb\u001b[38;5;1mc\u001b]8;;x\u0007\n')).toBe(
      'a\\x1b[2Jb\\x1b[38;5;1mc\\x1b]8;;x\\x07\n',
    );
    expect(terminalSafe('\rprogress\r', { leadingReturn: true })).toBe('\rprogress\\x0d');
    expect(terminalSafe('\rprogress')).toBe('\\x0dprogress');
  });

  it('leaves no control character but newlines and own colour codes in any text', () => {
    // oxlint-disable-next-line no-control-regex -- the CLI's own colour codes
    const own = /\u001b\[(?:0|1|2|3[1-6])m/g;
    fc.assert(
      fc.property(
        anyText,
        (text) => !ANY_CONTROL.test(terminalSafe(text).replace(own, '').replace(/\n/g, '')),
      ),
    );
  });
});

describe('jsonText', () => {
  it('is JSON that parses to the same value and holds no raw C1, separator or bidi control', () => {
    fc.assert(
      fc.property(fc.jsonValue(), anyText, (value, text) => {
        const written = jsonText({ value, text }, 2);
        expect(JSON.parse(written)).toEqual(JSON.parse(JSON.stringify({ value, text })));
        expect(written).not.toMatch(RAW_IN_JSON);
        // JSON.stringify escapes C0; only the indentation's newlines remain.
        expect(written.replace(/\n/g, '')).not.toMatch(ANY_CONTROL);
      }),
    );
  });
});
