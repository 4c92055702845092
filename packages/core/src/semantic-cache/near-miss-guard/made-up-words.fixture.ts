import fc from 'fast-check';
import { meaningMarkers } from './meaning-markers.js';
import { KNOWN_WORDS } from './vocabulary.js';
import { CLAUSE_WORDS, isContent } from './word-order.js';

// A pattern of letters can spell a real word the guard reads ("made" is a past form of an action,
// "make" starts a clause), so a made-up word is also one in which the guard finds nothing: no
// action, scope, date, number, unit, direction or negation, and no word of its own lists.
function guardReadsNothingIn(word: string): boolean {
  const markers = meaningMarkers(word);
  return (
    markers.numbers.length === 0 &&
    markers.units.size === 0 &&
    markers.dates.size === 0 &&
    markers.actions.size === 0 &&
    markers.scopes.size === 0 &&
    markers.directions.size === 0 &&
    !markers.negated
  );
}

/** Lower-case made-up words: consonant, vowel, consonant, vowel, then up to `tail` consonants. */
export function madeUpWord(tail: number): fc.Arbitrary<string> {
  return fc
    .stringMatching(
      new RegExp(`^[b-df-hj-np-tv-z][aeiou][b-df-hj-np-tv-z][aeiou][b-df-hj-np-tv-z]{0,${tail}}$`, 'u'),
    )
    .filter(
      (word) =>
        isContent(word) && !KNOWN_WORDS.has(word) && !CLAUSE_WORDS.has(word) && guardReadsNothingIn(word),
    );
}
