import { USE_LITE_DIMENSIONS } from './use-lite-model.js';

/** A fixed unit vector in a pseudo-random direction (xorshift32, fixed seed). */
function seededUnitVector(dimensions: number, seed: number): number[] {
  let state = seed >>> 0 || 1;
  const values: number[] = [];
  for (let index = 0; index < dimensions; index++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    values.push(state / 0xffffffff - 0.5);
  }
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
}

/**
 * What an empty or whitespace-only text embeds to. The model cannot embed it (alone it throws; in a
 * batch it shifts or drops rows), and it has no meaning to place anywhere: a fixed unit vector in
 * a random direction is nearly orthogonal to every sentence (|cosine| ≲ 0.2), so empty texts match
 * each other (similarity 1) and nothing else. Not a zero vector: cosine is undefined on it.
 */
export const EMPTY_TEXT_VECTOR: readonly number[] = Object.freeze(
  seededUnitVector(USE_LITE_DIMENSIONS, 0x5eed_e117),
);
