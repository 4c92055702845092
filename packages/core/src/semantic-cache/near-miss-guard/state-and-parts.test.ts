import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  oneEditApart,
  presentFormsOf,
  singularAndPlural,
  singularOrPluralForms,
  tensesOfOneVerb,
} from './align-pair.js';
import { checkMeaning } from './default-near-miss-guard.js';
import { meaningMarkers } from './meaning-markers.js';
import { madeUpWord } from './made-up-words.fixture.js';

// Properties of the rules read from the sixth tuning set: made-up words, so no rule can lean on a
// word list.
const word = madeUpWord(3).filter((text) => !/[sdy]$/u.test(text));
// Two words no typo step could read as one (more than one edit apart, neither inside the other).
const twoWords = fc
  .tuple(word, word)
  .filter(
    ([one, other]) =>
      one !== other && !oneEditApart(one, other) && !one.includes(other) && !other.includes(one),
  );
const capital = (text: string) => text[0]!.toUpperCase() + text.slice(1);
const letters = fc
  .tuple(fc.constantFrom(...'ABCDEFGHJKLMNOPQRSTUVWXYZ'), fc.constantFrom(...'BCDEFGHJKLMNOPQRSTUVWXYZ'))
  .filter(([one, other]) => one !== other);
const refused = (stored: string, query: string) =>
  !checkMeaning(stored, query).accept && !checkMeaning(query, stored).accept;

describe('the guard on states, parts and lettered names', () => {
  it('finds nothing for words that name members of Object in its word tables', () => {
    const markers = meaningMarkers(
      'explain the constructor, toString, valueOf and __proto__ of hasOwnProperty',
    );
    expect(markers.numbers).toEqual([]);
    expect([...markers.units, ...markers.dates, ...markers.actions, ...markers.scopes]).toEqual([]);
    expect(markers.directions.size).toBe(0);
  });

  it('never reads a verb in the past and the present as a typo of each other', () => {
    fc.assert(
      fc.property(word, (stem) => {
        expect(tensesOfOneVerb(`${stem}ed`, `${stem}es`)).toBe(true);
        expect(tensesOfOneVerb(`${stem}es`, `${stem}ed`)).toBe(true);
        expect(tensesOfOneVerb(`${stem}ed`, `${stem}er`)).toBe(false);
        // The set lookup's forms are exactly the pairs tensesOfOneVerb reads.
        expect(presentFormsOf(`${stem}ed`)).toContain(`${stem}es`);
        for (const form of presentFormsOf(`${stem}ed`)) expect(tensesOfOneVerb(`${stem}ed`, form)).toBe(true);
        expect(refused(`the parcel that ${stem}ed on Friday`, `the parcel that ${stem}es on Friday`)).toBe(
          true,
        );
      }),
    );
  });

  it("lists a word's singular and plural forms exactly as singularAndPlural reads them", () => {
    fc.assert(
      fc.property(word, fc.constantFrom('', 's', 'es', 'y', 'ies'), word, (stem, ending, other) => {
        const text = `${stem}${ending}`;
        for (const form of singularOrPluralForms(text)) expect(singularAndPlural(text, form)).toBe(true);
        for (const candidate of [`${text}s`, `${text}es`, stem, `${stem}y`, other])
          expect(singularOrPluralForms(text).includes(candidate)).toBe(singularAndPlural(text, candidate));
      }),
    );
  });

  it('tells lettered names apart, "A" included, in either order', () => {
    fc.assert(
      fc.property(word, letters, (place, [one, other]) => {
        const at = capital(place);
        expect(
          refused(
            `Ship 4 crates from ${at} ${one} to ${at} ${other}`,
            `Ship 4 crates from ${at} ${other} to ${at} ${one}`,
          ),
        ).toBe(true);
        expect(refused(`Book ${at} ${one} for the retro`, `Book ${at} ${other} for the retro`)).toBe(true);
        expect(
          checkMeaning(`Book ${at} ${one} for the retro`, `book ${at} ${one} for the retro please`).accept,
        ).toBe(true);
      }),
    );
  });

  it('reads a part of a thing, or some of it, as another scope than the thing', () => {
    fc.assert(
      fc.property(twoWords, ([part, whole]) => {
        expect(checkMeaning(`Delete the ${part}s in the ${whole}`, `Delete the ${whole}`)).toEqual({
          accept: false,
          reason: 'scope',
        });
        expect(checkMeaning(`Show unread ${whole}s`, `Show unread ${whole}s from my ${part}`)).toEqual({
          accept: false,
          reason: 'scope',
        });
        expect(checkMeaning(`Archive the ${whole}`, `Archive the ${whole} and all its ${part}s`)).toEqual({
          accept: false,
          reason: 'scope',
        });
        expect(checkMeaning(`Email the ${whole} at Acme`, `Email every ${whole} at Acme`)).toEqual({
          accept: false,
          reason: 'scope',
        });
      }),
    );
  });

  it('refuses one word swapped in place, however short the text, and accepts the same words', () => {
    fc.assert(
      fc.property(twoWords, word, ([one, other], place) => {
        const [stored, query] = [
          `Will it ${one} in ${capital(place)} tomorrow?`,
          `Will it ${other} in ${capital(place)} tomorrow?`,
        ];
        expect(refused(stored, query)).toBe(true);
        expect(checkMeaning(stored, `will it ${one} in ${capital(place)} tomorrow`).accept).toBe(true);
      }),
    );
  });

  it('reads "my" before a plural of things a team shares as another scope, unless the other says "I"', () => {
    fc.assert(
      fc.property(
        word,
        fc.constantFrom('PRs', 'branches', 'tickets', 'bugs', 'deals'),
        (adjective, things) => {
          expect(
            checkMeaning(
              `list ${adjective} ${things} in the web repo`,
              `list my ${adjective} ${things} in the web repo`,
            ),
          ).toEqual({ accept: false, reason: 'scope' });
          expect(
            checkMeaning(`which ${adjective} ${things} do I have`, `list my ${adjective} ${things}`).accept,
          ).toBe(true);
          // Things that are one's own anyway: "my unread emails" are the unread emails.
          expect(checkMeaning(`show ${adjective} emails`, `show my ${adjective} emails`).accept).toBe(true);
        },
      ),
    );
  });

  it('reads a yes/no question about a state as another request than changing it', () => {
    fc.assert(
      fc.property(word, word, (verb, thing) => {
        expect(checkMeaning(`Is the ${thing} ${verb}ed?`, `${capital(verb)} the ${thing}`)).toEqual({
          accept: false,
          reason: 'action',
        });
        expect(checkMeaning(`Is the ${thing} ${verb}ed?`, `Check if the ${thing} is ${verb}ed`).accept).toBe(
          true,
        );
      }),
    );
  });

  it("counts a context clause's date only when it says what the request is for", () => {
    fc.assert(
      fc.property(word, fc.constantFrom('Monday', 'tomorrow', 'next week', 'Friday'), (thing, day) => {
        const request = `please archive the ${thing}`;
        expect(
          checkMeaning(`Archive the ${thing}`, `We talked ${day} and it is over, so ${request}`).accept,
        ).toBe(true);
        expect(
          checkMeaning(`Archive the ${thing}`, `It is due on ${day} and it is over, so ${request}`),
        ).toEqual({
          accept: false,
          reason: 'date',
        });
      }),
    );
  });
});
