// Hostile ids for the identity fuzz suites: seeded with fast-check, so a failing run is replayed
// with TRISTACK_FUZZ_SEED=<seed>. Every id set holds the known collision pairs of the old key
// escaping, then near-duplicates of random ids, then random ids over a hostile alphabet.
import { MAX_ID_LENGTH } from '@tristack/core/driver-kit';
import fc from 'fast-check';

/** The run's seed: TRISTACK_FUZZ_SEED when set, else a fresh one (printed by the suites). */
export const FUZZ_SEED = process.env.TRISTACK_FUZZ_SEED
  ? Number(process.env.TRISTACK_FUZZ_SEED)
  : Math.floor(Math.random() * 2 ** 31);

/** Every whitespace class: C0 spaces, NEL, NBSP, Ogham, U+2000–200A, LS/PS, NNBSP, MMSP, ideographic, BOM. */
export const WHITESPACE = [
  ...'\t\n\v\f\r ',
  '\u0085',
  '\u00A0',
  '\u1680',
  ...Array.from({ length: 11 }, (_, index) => String.fromCharCode(0x2000 + index)),
  '\u2028',
  '\u2029',
  '\u202F',
  '\u205F',
  '\u3000',
  '\uFEFF',
];

const SEPARATORS = [...'%{}:*?[]\\=@+/.-_~\'"#&,;<>|!$^`() '];
const PERCENT_LOOKALIKES = ['%20', '%2', '%25', '%3A', '%3a', '%7B', '%7D', '%E2%80%80', '%FE', '%%', '%ZZ'];
const NON_ASCII = [
  'é',
  'e\u0301', // é decomposed
  'ß',
  'Ж',
  '中',
  'ﬁ',
  '\u212B', // Angstrom sign, NFC of Å
  '\u00C5',
  'ı',
  'İ',
  '\u00FE', // þ: the old escaping wrote "alice\u00FEFF" like "alice\uFEFF"
  '\u200B', // zero-width space
  '\u200D', // zero-width joiner
  '\uFFFD', // what a lone surrogate used to become
];
/** Paired surrogates: well-formed, one UTF-8 sequence each. */
const EMOJI = ['😀', '👍🏽', '🇫🇷', '👨‍👩‍👧', '\uD83D\uDE00', '𝔘'];
/** Lone surrogates: no UTF-8 form, must be rejected with InvalidInputError. */
export const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];
const CONTROLS = ['\u0000', '\u0001', '\u001B', '\u007F', '\u009F'];
const PLAIN = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];

/** One piece of an id: mostly plain, often hostile, rarely ill-formed. */
const unit = fc.oneof(
  { arbitrary: fc.constantFrom(...PLAIN), weight: 50 },
  // The C0 spaces and NEL are control characters: rejected, so rarer than the other spaces.
  {
    arbitrary: fc.constantFrom(...WHITESPACE.filter((space) => space >= '\u00A0' || space === ' ')),
    weight: 10,
  },
  { arbitrary: fc.constantFrom(...'\t\n\v\f\r\u0085'), weight: 1 },
  { arbitrary: fc.constantFrom(...SEPARATORS), weight: 14 },
  { arbitrary: fc.constantFrom(...PERCENT_LOOKALIKES), weight: 6 },
  { arbitrary: fc.constantFrom(...NON_ASCII), weight: 8 },
  { arbitrary: fc.constantFrom(...EMOJI), weight: 5 },
  { arbitrary: fc.constantFrom(...LONE_SURROGATES), weight: 1 },
  { arbitrary: fc.constantFrom(...CONTROLS), weight: 1 },
  // Any code unit at all, surrogates included.
  { arbitrary: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), weight: 1 },
);

const randomId = fc.oneof(
  { arbitrary: fc.string({ unit, minLength: 1, maxLength: 12 }), weight: 90 },
  // Near the length limit (in code points), on both sides of it.
  {
    arbitrary: fc
      .tuple(fc.string({ unit, minLength: 1, maxLength: 6 }), fc.integer({ min: -3, max: 2 }))
      .map(([core, delta]) =>
        [...core, ...'x'.repeat(MAX_ID_LENGTH)].slice(0, MAX_ID_LENGTH + delta).join(''),
      ),
    weight: 10,
  },
);

const ESCAPED_SPELLING: Record<string, string> = {
  ':': '%3A',
  '{': '%7B',
  '}': '%7D',
  ' ': '%20',
  '%': '%25',
};

/** Where and what a near-duplicate changes: drawn by fast-check, so it replays with the seed. */
const mutation = fc.record({
  position: fc.nat({ max: 2 * MAX_ID_LENGTH }),
  other: fc.constantFrom(...WHITESPACE, ...SEPARATORS, ...NON_ASCII, 'a', 'A'),
  space: fc.constantFrom(...WHITESPACE),
});

/** Ids one step away from `id`: one unit changed or added, an encoding-adjacent spelling, another normal form. */
function nearDuplicates(id: string, change: { position: number; other: string; space: string }): string[] {
  const position = change.position % (id.length + 1);
  const variants = [
    id.slice(0, position) + change.other + id.slice(position + 1),
    id.slice(0, position) + change.other + id.slice(position),
    id + change.space,
    id.replace(/[:{} %]/, (character) => ESCAPED_SPELLING[character]!),
    id.replace(/%[0-9A-F]{2}/, (escape) => escape.toLowerCase()),
    id.normalize('NFD'),
    id.normalize('NFC'),
    id.toUpperCase(),
  ];
  return variants.filter((variant) => variant !== id);
}

/** Pairs that met on one key under the old escaping (`%` + 2 hex digits of the code point). */
export function knownCollisionIds(): string[] {
  const ids: string[] = [];
  for (const space of [...WHITESPACE, '\u200B']) {
    const hex = space.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
    ids.push(`alice${space}`);
    // "%2000" is both U+2000 and " " followed by "00".
    if (hex.length > 2) ids.push(`alice ${hex.slice(2)}`, `alice ${hex.slice(2).toLowerCase()}`);
  }
  ids.push('alice\u00FEFF', 'alice\uFEFF', 'alice\u001680', 'alice%2000', 'alice%20');
  // A lone surrogate used to be sent as U+FFFD.
  for (const lone of LONE_SURROGATES) ids.push(`bob${lone}`, lone, `a${lone}b`);
  ids.push('bob\uFFFD', '\uDC00\uD800', 'bob\uD83D\uDE00');
  // Composite keys joined by ':' and hash tags.
  ids.push('acme', 'acme:x', 'x:y', 'acme:x:y', 'x', 'y', 'tenant=acme', 'user=bob', 'tenant=acme:user=bob');
  ids.push('{a}', 'a}', '{a', '{', '}', '}{', '{}', 'a{b}c', '*', '?', '[a]', '[', ']', '\\', '\\*', 'a*');
  ids.push('%', '%%', '%25', '%2', '%ZZ', '%3A', '%3a', 'a%3Ab', 'a:b', '=', '@', '+', 'a+b', 'a b', 'a%20b');
  ids.push('bob@example.com', 'bob@example.com ', 'Bob@example.com', 'é', 'e\u0301', '\u212B', '\u00C5');
  // Length limit: code points count (an emoji is one, though two code units).
  ids.push('a'.repeat(MAX_ID_LENGTH), 'a'.repeat(MAX_ID_LENGTH - 1), 'a'.repeat(MAX_ID_LENGTH + 1));
  ids.push('😀'.repeat(MAX_ID_LENGTH), `${'😀'.repeat(MAX_ID_LENGTH)}a`, 'é'.repeat(MAX_ID_LENGTH));
  ids.push('\u2000'.repeat(MAX_ID_LENGTH), `${'%'.repeat(MAX_ID_LENGTH - 1)}\uD800`, '');
  return ids;
}

function stringHash(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (hash * 31 + text.charCodeAt(index)) | 0;
  return hash >>> 0;
}

/**
 * `count` distinct hostile ids for `api`: the known collision pairs first, then near-duplicate
 * families (a random id and its neighbours), then random ids. Reproducible from FUZZ_SEED + api.
 */
export function hostileIds(api: string, count: number): string[] {
  const seed = (FUZZ_SEED ^ stringHash(api)) >>> 0;
  const ids = new Set(knownCollisionIds());
  const bases = fc.sample(fc.tuple(randomId, mutation), { seed, numRuns: count });
  // A third of the budget goes to near-duplicate families.
  for (const [base, change] of bases) {
    if (ids.size >= count / 3) break;
    ids.add(base);
    for (const variant of nearDuplicates(base, change)) ids.add(variant);
  }
  for (const [id] of bases) {
    if (ids.size >= count) break;
    ids.add(id);
  }
  for (let extra = 0; ids.size < count; extra++)
    for (const id of fc.sample(randomId, { seed: seed + extra + 1, numRuns: count })) {
      if (ids.size >= count) break;
      ids.add(id);
    }
  return [...ids].slice(0, count);
}
