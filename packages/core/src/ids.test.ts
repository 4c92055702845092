import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, TristackError } from './errors.js';
import {
  compositeKey,
  decodeKeyPart,
  encodeKeyPart,
  MAX_ID_LENGTH,
  parseCompositeKey,
  validateId,
  type KeyPart,
} from './ids.js';

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

describe('encodeKeyPart', () => {
  it('leaves no character that could close a hash tag, add a segment or glob', () => {
    const escaped = encodeKeyPart('a:b{c}d*e?f[g]h\\i j%k');
    expect(escaped).not.toMatch(/[:{}*?[\]\\\s]/);
    expect(decodeKeyPart(escaped)).toBe('a:b{c}d*e?f[g]h\\i j%k');
  });

  it('is injective: ids that differ give parts that differ', () => {
    const ids = ['a%3Ab', 'a:b', 'a%b', 'a%25b', '{', '%7B'];
    expect(new Set(ids.map(encodeKeyPart)).size).toBe(ids.length);
  });
});

// Every whitespace class JavaScript's `\s` knows, the characters with a meaning in keys, globs and
// composite keys, and the digits and `%` that made `"alice\u2000"` and `"alice 00"` collide.
const WHITESPACE = [
  ...'\t\n\u000B\f\r \u0085\u00A0\u1680\u2028\u2029\u202F\u205F\u3000\uFEFF',
  ...Array.from({ length: 11 }, (_, index) => String.fromCharCode(0x2000 + index)),
];
const SPECIAL = [
  '%',
  '{',
  '}',
  ':',
  '*',
  '=',
  '?',
  '[',
  ']',
  '\\',
  '0',
  '2',
  'A',
  'a',
  '%20',
  '%2000',
  '😀',
  'é',
];

/** One unit of a hostile id: a whitespace, a key-syntax character, or any code point (paired surrogates included). */
const hostileUnit = fc.oneof(
  fc.constantFrom(...WHITESPACE, ...SPECIAL),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
/** Well-formed (no lone surrogate) strings over the whole Unicode range, biased to the hostile units. */
const wellFormed = fc.string({ unit: hostileUnit, maxLength: 24 });
/** A string with exactly one lone surrogate (a well-formed string never starts with a low or ends with a high one). */
const withLoneSurrogate = fc
  .tuple(wellFormed, fc.integer({ min: 0xd800, max: 0xdfff }), wellFormed)
  .map(([before, surrogate, after]) => before + String.fromCharCode(surrogate) + after);

const ENCODED_ALPHABET = /^[A-Za-z0-9\-._~@+%]*$/;

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('encodeKeyPart / decodeKeyPart (properties over the whole Unicode range)', () => {
  it('round-trips every well-formed string', () => {
    fc.assert(
      fc.property(wellFormed, (id) => {
        expect(decodeKeyPart(encodeKeyPart(id))).toBe(id);
      }),
      { numRuns: 5000 },
    );
  });

  it('writes only the plain set and %XX with two upper-case hex digits', () => {
    fc.assert(
      fc.property(wellFormed, (id) => {
        const part = encodeKeyPart(id);
        expect(part).toMatch(ENCODED_ALPHABET);
        expect(part.replaceAll(/%[0-9A-F]{2}/g, '')).not.toContain('%');
      }),
      { numRuns: 5000 },
    );
  });

  it('is injective: distinct ids give distinct parts', () => {
    fc.assert(
      fc.property(fc.uniqueArray(wellFormed, { minLength: 2, maxLength: 60 }), (ids) => {
        expect(new Set(ids.map(encodeKeyPart)).size).toBe(ids.length);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['alice\u2000', 'alice 00'],
    ['alice\u200A', 'alice 0A'],
    ['alice\u2028', 'alice 28'],
    ['alice\u3000', 'alice 00'],
    ['bob\uFFFD', 'bob%EF%BF%BD'],
    ['a:b', 'a%3Ab'],
  ])('keeps the formerly colliding pair %j / %j apart', (first, second) => {
    expect(encodeKeyPart(first)).not.toBe(encodeKeyPart(second));
    expect(decodeKeyPart(encodeKeyPart(first))).toBe(first);
    expect(decodeKeyPart(encodeKeyPart(second))).toBe(second);
  });

  it('encodes every whitespace class (never left plain, never merged)', () => {
    const parts = WHITESPACE.map(encodeKeyPart);
    for (const part of parts) expect(part).toMatch(/^(%[0-9A-F]{2})+$/);
    expect(new Set(parts).size).toBe(WHITESPACE.length);
  });

  it('rejects lone surrogates with InvalidInputError (encodeKeyPart and validateId)', () => {
    fc.assert(
      fc.property(withLoneSurrogate, (id) => {
        expect(thrown(() => encodeKeyPart(id))).toBeInstanceOf(InvalidInputError);
        expect(thrown(() => validateId(id, 'userId'))).toBeInstanceOf(InvalidInputError);
      }),
      { numRuns: 2000 },
    );
    for (const id of ['\uD800', '\uDFFF', 'bob\uD800', '\uDC00bob', '\uDC00\uD800'])
      expect(thrown(() => encodeKeyPart(id))).toBeInstanceOf(InvalidInputError);
  });

  it('decodeKeyPart accepts exactly what encodeKeyPart writes, and rejects the rest typed', () => {
    const encodedLike = fc.string({
      unit: fc.constantFrom('%', 'A', 'a', 'F', 'f', '0', '2', '3', '7', 'C', 'E', '8', ':', ' ', '{', 'é'),
      maxLength: 12,
    });
    fc.assert(
      fc.property(encodedLike, (part) => {
        let decoded: string;
        try {
          decoded = decodeKeyPart(part);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          return;
        }
        expect(encodeKeyPart(decoded)).toBe(part);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['%41', 'a plain byte written encoded'],
    ['%3a', 'lower-case hex'],
    ['%3', 'one hex digit'],
    ['%', 'a bare %'],
    ['%ZZ', 'not hex'],
    ['a:b', 'a separator'],
    ['{x}', 'a hash tag'],
    ['a b', 'whitespace'],
    ['é', 'a non-ASCII character'],
    ['%C0%80', 'an overlong UTF-8 form'],
    ['%ED%A0%80', 'an encoded surrogate'],
    ['%FF', 'an invalid UTF-8 byte'],
    ['%E2%80', 'a truncated UTF-8 sequence'],
  ])('decodeKeyPart rejects %j (%s) with InvalidInputError', (part) => {
    expect(thrown(() => decodeKeyPart(part))).toBeInstanceOf(InvalidInputError);
  });
});

describe('compositeKey / parseCompositeKey (properties)', () => {
  const kind = fc.constantFrom('tenant', 'user', 'conversation', 'tool', 'provider');
  const parts = fc.array(fc.tuple(kind, fc.option(wellFormed, { nil: undefined })), { maxLength: 5 });
  const present = (list: readonly KeyPart[]) => list.filter(([, id]) => id !== undefined);

  it('round-trips: parse gives the defined parts back, in order (or the digest of a long key)', () => {
    fc.assert(
      fc.property(parts, (list) => {
        const key = compositeKey(list);
        const parsed = parseCompositeKey(key);
        if (parsed[0]?.[0] === 'sha256') {
          expect(key).toMatch(/^sha256=[0-9a-f]{64}$/);
          const full = present(list)
            .map(([kind, id]) => `${kind}=${encodeKeyPart(id!)}`)
            .join(':');
          expect(full.length).toBeGreaterThan(MAX_ID_LENGTH);
        } else expect(parsed).toEqual(present(list));
        expect(key.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
      }),
      { numRuns: 3000 },
    );
  });

  it('is injective over the defined parts', () => {
    fc.assert(
      fc.property(parts, parts, (first, second) => {
        const same = JSON.stringify(present(first)) === JSON.stringify(present(second));
        expect(compositeKey(first) === compositeKey(second)).toBe(same);
      }),
      { numRuns: 3000 },
    );
  });

  it('reserves the sha256 kind for digests of long keys', () => {
    expect(thrown(() => compositeKey([['sha256', 'ab']]))).toBeInstanceOf(InvalidInputError);
  });

  it('keeps tenant/user splits and tenant-less users apart', () => {
    const keys = [
      compositeKey([
        ['tenant', 'acme:x'],
        ['user', 'y'],
      ]),
      compositeKey([
        ['tenant', 'acme'],
        ['user', 'x:y'],
      ]),
      compositeKey([
        ['tenant', undefined],
        ['user', 'acme:x:y'],
      ]),
      compositeKey([['tenant', 'acme:x:y']]),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(parseCompositeKey(keys[0]!)).toEqual([
      ['tenant', 'acme:x'],
      ['user', 'y'],
    ]);
  });

  it('rejects a lone surrogate in any part and a malformed kind with InvalidInputError', () => {
    expect(thrown(() => compositeKey([['user', 'bob\uD800']]))).toBeInstanceOf(InvalidInputError);
    expect(thrown(() => compositeKey([['User', 'bob']]))).toBeInstanceOf(InvalidInputError);
    expect(thrown(() => parseCompositeKey('user=a b'))).toBeInstanceOf(InvalidInputError);
    expect(thrown(() => parseCompositeKey('=a'))).toBeInstanceOf(InvalidInputError);
  });
});
