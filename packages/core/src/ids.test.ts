import { describe, expect, it } from 'vitest';
import { InvalidInputError, TristackError } from './errors.js';
import { escapeKeyPart, MAX_ID_LENGTH, unescapeKeyPart, validateId } from './ids.js';

describe('validateId', () => {
  it.each([
    ['', 'must not be empty'],
    ['a\u0000b', 'control characters'],
    ['line\nbreak', 'control characters'],
    ['x'.repeat(MAX_ID_LENGTH + 1), 'at most'],
    [42, 'expected string'],
  ])('rejects %j with a typed error', (value, message) => {
    let caught: unknown;
    try {
      validateId(value, 'userId', 'memory');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect(TristackError.hasCode(caught, 'INVALID_INPUT')).toBe(true);
    expect((caught as Error).message).toMatch(/^\[tristack\] \[memory\] invalid userId: /);
    expect((caught as Error).message).toContain(message);
  });

  it('accepts unicode and punctuation', () => {
    expect(validateId('ünïcødé:{x}*', 'userId')).toBe('ünïcødé:{x}*');
  });
});

describe('escapeKeyPart', () => {
  it('leaves no character that could close a hash tag, add a segment or glob', () => {
    const escaped = escapeKeyPart('a:b{c}d*e?f[g]h\\i j%k');
    expect(escaped).not.toMatch(/[:{}*?[\]\\\s]/);
    expect(unescapeKeyPart(escaped)).toBe('a:b{c}d*e?f[g]h\\i j%k');
  });

  it('is injective: ids that differ give parts that differ', () => {
    const ids = ['a%3Ab', 'a:b', 'a%b', 'a%25b', '{', '%7B'];
    expect(new Set(ids.map(escapeKeyPart)).size).toBe(ids.length);
  });
});
