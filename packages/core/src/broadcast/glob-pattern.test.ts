import { describe, expect, it } from 'vitest';
import { globToRegExp } from './glob-pattern.js';

describe('globToRegExp (Redis PSUBSCRIBE globs)', () => {
  it.each([
    ['news.*', 'news.art', true],
    ['news.*', 'newsXart', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a+b(c)', 'a+b(c)', true],
    ['[', '[', true],
    ['*', 'multi\nline', true],
  ])('%s against %j is %s', (pattern, text, expected) => {
    expect(globToRegExp(pattern).test(text)).toBe(expected);
  });
});
