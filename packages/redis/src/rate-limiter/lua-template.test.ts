import { describe, expect, it } from 'vitest';
import { LuaTemplate, type TemplateKey } from './lua-template.js';

// Tiny templates, assembled from lines so the expander's contract reads at a glance.
const template = (...lines: string[]) => new LuaTemplate(lines.join('\n') + '\n');

const rule = (kind: string, values: Record<string, string>, anchor?: string) => ({
  kind,
  attributes: { anchor },
  values,
});

const twoKeys: TemplateKey[] = [
  {
    values: { K: '1' },
    rules: [
      rule('a', { R: '1_1', NAME: 'x', N: '10' }, 'epoch'),
      rule('b', { R: '1_2', NAME: 'y', N: '0.5' }, 'first-hit'),
    ],
  },
  { values: { K: '2' }, rules: [rule('a', { R: '2_1', NAME: 'z', N: '7' })] },
];

describe('LuaTemplate', () => {
  it('repeats per key and per rule, inserts fragments indented, joins inline fragments', () => {
    const expanded = template(
      '--[[ header ]]',
      '--[[ @fragment a load ]]',
      'local v__R = __N',
      '--[[ @if anchor=epoch ]]',
      '--- a note, left out',
      'v__R = v__R * 2',
      '--[[ @end ]]',
      '--[[ @end ]]',
      '--[[ @fragment any read ]] local _ = "__NAME"',
      '--[[ @fragment b read ]] local _ = "__NAME:1", "__NAME:2"',
      '--[[ @fragment any ok ]] local _ = v__R > 0',
      '--[[ @script ]]',
      'local top = __TOP',
      '--[[ @each key ]]',
      '',
      'local k__K = f(__LIST_READ)',
      '--[[ @each rule ]]',
      'if __ONE_OK then',
      '  --[[ @insert load ]]',
      'end',
      '--[[ @end ]]',
      '--[[ @end ]]',
      'return __ALL_OK',
    ).render(twoKeys, { TOP: '3' });
    expect(expanded).toBe(
      [
        'local top = 3',
        'local k1 = f("x", "y:1", "y:2")',
        'if v1_1 > 0 then',
        '  local v1_1 = 10',
        '  v1_1 = v1_1 * 2',
        'end',
        // Kind b has no load fragment: nothing is inserted.
        'if v1_2 > 0 then',
        'end',
        'local k2 = f("z")',
        'if v2_1 > 0 then',
        '  local v2_1 = 7',
        'end',
        'return v1_1 > 0 and v1_2 > 0 and v2_1 > 0',
        '',
      ].join('\n'),
    );
  });

  it('counts the expressions of an inline fragment outside strings and brackets', () => {
    const counted = template(
      "--[[ @fragment a read ]] local _ = 'n,a', f(x, y), { 1, 2 }, g",
      '--[[ @script ]]',
      'return 1',
    );
    expect(counted.expressionCount('a', 'read')).toBe(4);
  });

  it('writes in placeholder values once: a value that looks like a placeholder stays as it is', () => {
    const expanded = template('--[[ @script ]]', "local name = '__NAME'").render([], { NAME: '__TOP' });
    expect(expanded).toBe("local name = '__TOP'\n");
  });

  it('refuses what it does not understand rather than writing a wrong script', () => {
    expect(() => template('--[[ @script ]]', 'return __MISSING').render([], {})).toThrow(
      /no value for __MISSING/,
    );
    expect(() => template('--[[ @script ]]', '--[[ @each key ]]', 'return 1')).toThrow(/not closed/);
    expect(() => template('--[[ @script ]]', '--[[ @end ]]')).toThrow(/@end without an open block/);
    expect(() => template('--[[ @script ]]', '--[[ @repeat key ]]', '--[[ @end ]]')).toThrow(
      /unknown marker/,
    );
    expect(() =>
      template('--[[ @script ]]', '--[[ @each rule ]]', '--[[ @insert nope ]]', '--[[ @end ]]'),
    ).toThrow(/no fragment defines it/);
    expect(() => template('return 1')).toThrow(/no @script marker/);
    expect(() => template('--[[ @fragment a x ]] return 1', '--[[ @script ]]')).toThrow(/local _ =/);
    expect(() => template('--[[ @script ]]', 'return __LIST_READ').render(twoKeys, {})).toThrow(
      /no inline fragment read for a/,
    );
  });
});
