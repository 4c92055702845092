// Deterministic fake secrets: generated at run time from a seed, so no key-shaped literal sits in
// the repository (nothing for secret scanners to flag, nothing real to leak).

const ALPHABETS = {
  digits: '0123456789',
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  lowerAlnum: 'abcdefghijklmnopqrstuvwxyz0123456789',
  upperAlnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  hex: '0123456789abcdef',
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  letters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
} as const;
export type Alphabet = keyof typeof ALPHABETS;

/** mulberry32: small, seeded, good enough for fixture strings. */
export function fakeRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  /** `length` characters of `alphabet`, always with at least one digit when the alphabet has digits. */
  const text = (alphabet: Alphabet, length: number): string => {
    const characters = ALPHABETS[alphabet];
    let result = '';
    for (let index = 0; index < length; index++) result += characters[Math.floor(next() * characters.length)];
    if (/[0-9]/.test(characters) && !/[0-9]/.test(result)) result = `${result.slice(0, -1)}7`;
    return result;
  };
  return { next, text };
}
