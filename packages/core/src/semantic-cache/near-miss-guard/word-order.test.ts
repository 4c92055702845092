import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meaningMarkers } from './meaning-markers.js';
import { madeUpWord } from './made-up-words.fixture.js';
import { rolesSwapped, tradedPlaces } from './word-order.js';

const markers = (text: string) => meaningMarkers(text);
const traded = (one: string, other: string) => tradedPlaces(markers(one), markers(other));
const roles = (one: string, other: string) => rolesSwapped(markers(one), markers(other));

// Made-up names: lower-case letters, four to eight of them, never a word the guard reads.
const name = madeUpWord(4);
const twoNames = fc.tuple(name, name).filter(([one, other]) => one !== other);

describe('tradedPlaces', () => {
  it.each([
    ["commits in release-2.4 that aren't in main", "commits in main that aren't in release-2.4"],
    ['pick up the car at SFO and drop it off in LA', 'pick up the car in LA and drop it off at SFO'],
    ['Alice invited Bob to the sync', 'Bob invited Alice to the sync'],
  ])('reads %j / %j as two things trading places', (one, other) => {
    expect(traded(one, other)).toBe(true);
    expect(traded(other, one)).toBe(true);
  });

  it.each([
    ['Invite Ana and Bob to the retro', 'Invite Bob and Ana to the retro'],
    ['Flights from Oslo to Rome', 'Flights to Rome from Oslo'],
    ["Tomorrow in Lima, what's the low?", "What's the low in Lima tomorrow?"],
    ['Send the deck to Ana', 'Send the deck to Ana'],
  ])('leaves %j / %j alone', (one, other) => {
    expect(traded(one, other)).toBe(false);
  });

  it('holds for any two names around a verb, both ways, and never for a list of two', () => {
    fc.assert(
      fc.property(twoNames, ([one, other]) => {
        expect(traded(`${one} paged ${other} today`, `${other} paged ${one} today`)).toBe(true);
        expect(traded(`${other} paged ${one} today`, `${one} paged ${other} today`)).toBe(true);
        expect(traded(`page ${one} and ${other} today`, `page ${other} and ${one} today`)).toBe(false);
        expect(traded(`${one} paged ${other} today`, `${one} paged ${other} today`)).toBe(false);
      }),
    );
  });
});

describe('rolesSwapped', () => {
  it.each([
    ['Which services call the auth service?', 'Which services does the auth service call?'],
    ['customers who emailed our billing desk', 'customers our billing desk emailed'],
    ['Show accounts managed by Initech', 'Show accounts Initech was managed by'],
    ['Find builds that trigger DEPLOY-7', 'Find builds triggered by DEPLOY-7'],
  ])('reads %j / %j as roles turned around', (one, other) => {
    expect(roles(one, other)).toBe(true);
    expect(roles(other, one)).toBe(true);
  });

  it.each([
    ['PRs reviewed by Sam', 'PRs that Sam reviewed'],
    ['when does my flight to Denver board', 'tell me when my flight to Denver boards'],
    ["List this week's disputed charges", 'Which charges were disputed this week?'],
    ['by region, chart monthly revenue', 'chart monthly revenue by region'],
  ])('leaves %j / %j alone', (one, other) => {
    expect(roles(one, other)).toBe(false);
    expect(roles(other, one)).toBe(false);
  });

  it('is symmetric and holds for any named subject and object of a relative clause', () => {
    fc.assert(
      fc.property(twoNames, ([one, other]) => {
        const active = `tickets that ${one} blocked for ${other}`;
        expect(roles(`people who emailed ${one}`, `people ${one} emailed`)).toBe(true);
        expect(roles(`people ${one} emailed`, `people who emailed ${one}`)).toBe(true);
        expect(roles(active, active)).toBe(false);
        expect(roles(`notes ${other} wrote`, `notes that ${other} wrote`)).toBe(false);
      }),
    );
  });
});
