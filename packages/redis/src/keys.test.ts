import fc from 'fast-check';
import { decodeKeyPart, InvalidInputError, InvalidOptionsError } from '@tristack/core';
import { describe, expect, it } from 'vitest';
import { splitRedisDriverOptions } from './driver-options.js';
import { redisKey } from './keys.js';

// Pure: no server. The slot is computed here the way Redis Cluster does (CRC16-XMODEM of the
// hash tag's bytes, or of the whole key when it has no non-empty tag, modulo 16384).
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function clusterSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const hashed = open !== -1 && close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(new TextEncoder().encode(hashed)) % 16384;
}

const WHITESPACE = [
  ...'\t\n\u000B\f\r \u0085\u00A0\u1680\u2028\u2029\u202F\u205F\u3000\uFEFF',
  ...Array.from({ length: 11 }, (_, index) => String.fromCharCode(0x2000 + index)),
];
const hostileUnit = fc.oneof(
  fc.constantFrom(...WHITESPACE, '%', '{', '}', ':', '*', '=', '?', '[', ']', '\\', '0', '2', '😀'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const id = fc.string({ unit: hostileUnit, minLength: 1, maxLength: 16 });
const ids = fc.array(id, { minLength: 1, maxLength: 3 });
const tuple = fc.record({ tag: ids, parts: fc.array(id, { maxLength: 3 }) });

describe('clusterSlot (test helper)', () => {
  it('matches the slots Redis documents', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x31c3);
    expect(clusterSlot('foo')).toBe(12182);
    expect(clusterSlot('{user1000}.following')).toBe(clusterSlot('{user1000}.followers'));
    // An empty `{}` is no tag: the whole key is hashed.
    expect(clusterSlot('foo{}{bar}')).toBe(crc16(new TextEncoder().encode('foo{}{bar}')) % 16384);
  });
});

describe('redisKey (properties)', () => {
  it('has exactly one hash tag, holding the encoded owner ids', () => {
    fc.assert(
      fc.property(tuple, ({ tag, parts }) => {
        const key = redisKey('tristack', 'memory', tag, ...parts);
        expect(key.split('{')).toHaveLength(2);
        expect(key.split('}')).toHaveLength(2);
        const inside = key.slice(key.indexOf('{') + 1, key.indexOf('}'));
        expect(inside.split(':').map(decodeKeyPart)).toEqual(tag);
      }),
      { numRuns: 3000 },
    );
  });

  it('adds no segment from an id: every `:` is a separator redisKey wrote', () => {
    fc.assert(
      fc.property(tuple, ({ tag, parts }) => {
        const segments = redisKey('tristack', 'memory', tag, ...parts)
          .replace(/[{}]/g, '')
          .split(':');
        expect(segments).toHaveLength(2 + tag.length + parts.length);
        expect(segments.slice(2).map(decodeKeyPart)).toEqual([...tag, ...parts]);
        for (const segment of segments) expect(segment).not.toMatch(/[\s*?[\]\\{}]/);
      }),
      { numRuns: 3000 },
    );
  });

  it('is injective: distinct tuples give distinct keys', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(tuple, { minLength: 2, maxLength: 40, selector: (each) => JSON.stringify(each) }),
        (tuples) => {
          const keys = tuples.map(({ tag, parts }) => redisKey('tristack', 'memory', tag, ...parts));
          expect(new Set(keys).size).toBe(tuples.length);
        },
      ),
      { numRuns: 300 },
    );
    // Tag/part boundaries cannot move: an id holding `:` stays one id.
    const keys = [
      redisKey('p', 'x', ['a:b']),
      redisKey('p', 'x', ['a', 'b']),
      redisKey('p', 'x', ['a'], 'b'),
      redisKey('p', 'x', ['alice\u2000']),
      redisKey('p', 'x', ['alice 00']),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('puts every key of one owner in one cluster slot, whatever the parts', () => {
    fc.assert(
      fc.property(
        ids,
        fc.array(fc.array(id, { maxLength: 3 }), { minLength: 2, maxLength: 5 }),
        (tag, partLists) => {
          const slots = partLists.map((parts) => clusterSlot(redisKey('tristack', 'memory', tag, ...parts)));
          expect(new Set(slots).size).toBe(1);
          // The tag is what is hashed: the slot does not depend on the prefix or primitive either.
          expect(clusterSlot(redisKey('other.prefix', 'lease', tag))).toBe(slots[0]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects an empty hash tag and lone surrogates with InvalidInputError', () => {
    expect(() => redisKey('p', 'x', [])).toThrow(InvalidInputError);
    expect(() => redisKey('p', 'x', '')).toThrow(InvalidInputError);
    expect(() => redisKey('p', 'x', ['bob\uD800'])).toThrow(InvalidInputError);
    expect(() => redisKey('p', 'x', ['bob'], '\uDC00')).toThrow(InvalidInputError);
  });
});

describe('splitRedisDriverOptions: prefix', () => {
  const client = { sendCommand: async () => null } as never;
  it.each(['tristack', 'app-1', 'my_app.v2', 'team@acme+x~y'])('accepts %j', (prefix) => {
    expect(splitRedisDriverOptions({ client, prefix }, 'test').prefix).toBe(prefix);
  });

  it.each([
    '',
    'a:b',
    '{p}',
    'a{',
    'a}',
    'a b',
    'a\u2000',
    'p*',
    'p?',
    'p[x]',
    'p\\',
    'prefix\u00e9',
    'x'.repeat(65),
  ])('rejects %j with InvalidOptionsError', (prefix) => {
    expect(() => splitRedisDriverOptions({ client, prefix }, 'test')).toThrow(InvalidOptionsError);
  });
});
