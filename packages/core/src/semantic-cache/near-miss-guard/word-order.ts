import { actionOf, type MeaningMarkers } from './meaning-markers.js';
import { DETERMINERS, FILLER, lookupTable, NEGATIONS, NOT_NAMES, SCOPE_WORDS } from './vocabulary.js';

/**
 * Rules on word order: the same words, but who does what to whom, or which thing goes where, has
 * changed. Read on each text's lower-case word sequence (`MeaningMarkers.sequence`).
 */

/** A word that names or says something (not filler, a pronoun, a negation or a quantifier). */
export const isContent = (word: string) =>
  word.length > 2 &&
  word !== '.' &&
  !FILLER.has(word) &&
  !NOT_NAMES.has(word) &&
  !NEGATIONS.has(word) &&
  SCOPE_WORDS[word] === undefined;

export const COORDINATING = new Set(['and', 'or', 'nor', 'plus', 'both', 'either', 'neither']);

const MAX_TRADE_SPAN = 48;
const SYMMETRIC = new Set(['as', 'compatible', 'same', 'similar', 'equal', 'identical', 'alike']);
const MAX_TRADED_WORDS = 3;
/** Words that start or steer a clause, never a thing that trades places. */
export const CLAUSE_WORDS: ReadonlySet<string> = new Set([
  'what',
  'when',
  'where',
  'who',
  'whom',
  'which',
  'how',
  'why',
  'turn',
  'set',
  'make',
]);
/** A name short enough to fail `isContent` ("LA", "EU") still names a thing. */
const names = (word: string) =>
  isContent(word) ||
  (word.length === 2 && /^\p{L}+$/u.test(word) && !FILLER.has(word) && !NOT_NAMES.has(word));

// "Is revenue higher than expenses" / "Are expenses higher than revenue": the verb agrees with
// whichever thing comes first.
const BE: Readonly<Record<string, string>> = lookupTable({ is: 'are', was: 'were' });
const withAgreement = (words: readonly string[]) => words.map((word) => BE[word] ?? word);

/**
 * Two phrases trade places around the same words ("commits in release-2.4 that aren't in main" /
 * "commits in main that aren't in release-2.4", "pick up in LA and drop off at SFO" / "pick up at
 * SFO and drop off in LA"): one text reads X C Y where the other reads Y C X, X and Y each a thing
 * of up to three words, C not empty. Two items joined by "and" / "or" are a list, whose order says
 * nothing ("Ana and Bob"); a move with nothing between ("from Oslo to Rome" / "to Rome from Oslo")
 * is a rewording.
 */
export function tradedPlaces(left: MeaningMarkers, right: MeaningMarkers): boolean {
  const [one, other] = [withAgreement(left.sequence), withAgreement(right.sequence)];
  if (one.length !== other.length) return false;
  let start = 0;
  while (start < one.length && one[start] === other[start]) start++;
  let end = one.length;
  while (end > start && one[end - 1] === other[end - 1]) end--;
  const span = end - start;
  if (span < 3 || span > MAX_TRADE_SPAN) return false;
  const same = (from: number, to: number, length: number) => {
    for (let at = 0; at < length; at++) if (one[from + at] !== other[to + at]) return false;
    return true;
  };
  // A thing of up to three words ("release 2 4", "Maya Chen"), not a clause or a verb moved
  // along with it ("tomorrow in Madrid, what's the high" / "what's the high in Madrid tomorrow").
  const thing = (from: number, length: number) => {
    const words = one.slice(from, from + length);
    return words.some(names) && !words.some((word) => actionOf(word) !== undefined || CLAUSE_WORDS.has(word));
  };
  const list = (from: number, length: number) =>
    one.slice(from, from + length).every((word) => COORDINATING.has(word) || FILLER.has(word));
  // "Are iPhones compatible with this charger" / "Is this charger compatible with iPhones": a
  // relation that holds both ways.
  const symmetric = (from: number, length: number) =>
    one.slice(from, from + length).some((word) => SYMMETRIC.has(word));
  for (let first = 1; first <= MAX_TRADED_WORDS && first < span - 1; first++)
    for (let last = 1; last <= MAX_TRADED_WORDS && first + last < span; last++) {
      const middle = span - first - last;
      // one = X C Y, other = Y C X. An opening phrase and a closing one swapped, one with its
      // preposition, is a reordering ("Tomorrow, book a table at Nopa" / "At Nopa, book a table
      // tomorrow"); inside the text it is not ("pick up at SFO and drop off in LA").
      if (
        same(start, end - first, first) &&
        same(end - last, start, last) &&
        same(start + first, start + last, middle) &&
        thing(start, first) &&
        thing(end - last, last) &&
        !(start === 0 && (PREPOSITIONS.has(one[start]!) || PREPOSITIONS.has(one[end - last]!))) &&
        !list(start + first, middle) &&
        !symmetric(start + first, middle)
      )
        return true;
    }
  return false;
}

const RELATIVE = new Set(['who', 'that', 'which']);
const PREPOSITIONS = new Set(
  'at in on to into onto with about for from by under over of after before since until via'.split(' '),
);
const DO = new Set(['do', 'does', 'did']);
const PASSIVE = new Set(['is', 'are', 'was', 'were', 'be', 'been', 'being', 'get', 'got', 'gets']);
/** Words between a subject and its verb: "the", "'s", "corp"… up to this many. */
const SUBJECT_REACH = 3;

/** The forms a verb takes beside itself: "approve" → approves, approved; "refer" → referred; "blocking" → blocked. */
const verbForms = (verb: string) => {
  const forms = [verb, `${verb}s`, `${verb}es`, `${verb}d`, `${verb}ed`, `${verb}${verb.at(-1)}ed`];
  for (const ending of ['s', 'es', 'd', 'ed'])
    if (verb.endsWith(ending) && verb.length > ending.length + 2) forms.push(verb.slice(0, -ending.length));
  if (/(\p{L})\1ed$/u.test(verb)) forms.push(verb.slice(0, -3));
  // "blocking" → block, blocked ("issues blocking X" acts as "issues that block X").
  if (verb.endsWith('ing') && verb.length > 5) {
    const stem = verb.slice(0, -3);
    forms.push(stem, `${stem}s`, `${stem}ed`, `${stem}e`, `${stem}es`, `${stem}d`);
  }
  return forms;
};

/**
 * Who does what to whom turns around a shared verb: a thing after the verb in one text is its
 * subject, just before it, in the other —
 * - a question's "does" ("Which issues link to #482?" / "Which issues does #482 link to?");
 * - a relative clause ("contacts who emailed our team" / "contacts our team emailed");
 * - the passive ("leads referred by Acme" / "leads Acme was referred by");
 * and the passive with the thing after the verb in both ("tickets that block X" / "tickets
 * blocked by X"). A passive that keeps the roles ("PRs reviewed by Sam" / "PRs that Sam reviewed")
 * is a rewording.
 */
export function rolesSwapped(left: MeaningMarkers, right: MeaningMarkers): boolean {
  const [one, other] = [left.sequence, right.sequence];
  // A text that says it both ways ("Who reports to Maria and who does Maria report to?") says
  // nothing the other could turn around.
  return (turned(one, other) && !turned(one, one)) || (turned(other, one) && !turned(other, other));
}

/** `after` has the thing after the verb; `before` has it just before it (or after "by"). */
function turned(after: readonly string[], before: readonly string[]): boolean {
  // Where each word of `before` stands with a given word just before it (its subject) or after its
  // "by": looked up, so a long text costs ~ its words, not words × words.
  const withSubject = new Map<string, number[]>();
  const withAgent = new Map<string, number[]>();
  const add = (index: Map<string, number[]>, key: string, at: number) => {
    const list = index.get(key);
    if (!list) index.set(key, [at]);
    else if (list.at(-1) !== at) list.push(at);
  };
  for (let at = 0; at < before.length; at++) {
    for (let subject = at - 1; subject >= 0 && at - subject <= SUBJECT_REACH; subject--)
      add(withSubject, `${before[at]} ${before[subject]}`, at);
    const agent = before[at + 1] === 'by' ? before.slice(at + 2, at + 4).find(names) : undefined;
    if (agent !== undefined) add(withAgent, `${before[at]} ${agent}`, at);
  }
  // Each verb and thing once: a text of one word repeated costs one look.
  const seen = new Set<string>();
  for (let verb = 1; verb < after.length - 1; verb++) {
    const action = after[verb]!;
    if (!isContent(action)) continue;
    const thing = after.slice(verb + 1, verb + 4).find(names);
    if (thing === undefined) continue;
    const by = after[verb + 1] === 'by';
    const relative = RELATIVE.has(after[verb - 1]!) && verb >= 2 && isContent(after[verb - 2]!);
    const key = `${action} ${thing} ${by} ${relative} ${PREPOSITIONS.has(after[verb + 1]!)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const form of new Set(verbForms(action))) {
      const verbs: readonly number[] = withSubject.get(`${form} ${thing}`) ?? [];
      for (const at of verbs) {
        // After "the", "my"… a word names a thing: in "post the photo", "photo" is no verb (so "take
        // that photo" is no relative clause).
        if (DETERMINERS.has(before[at - 1] ?? '')) continue;
        let subject = at - 1;
        while (before[subject] !== thing) subject--;
        const between = before.slice(subject + 1, at);
        // A subject meets its verb without "by" ("Sam reviewed", not "reviewed by Sam").
        const acting = !by && !between.includes('by');
        // "Which hosts run redis" / "Which hosts does redis run on": a preposition after the verb
        // in one text only turns the roles back.
        const asked =
          (DO.has(before[subject - 1] ?? '') || (subject >= 2 && DO.has(before[subject - 2] ?? ''))) &&
          PREPOSITIONS.has(after[verb + 1]!) === PREPOSITIONS.has(before[at + 1] ?? '');
        if ((acting && asked) || (acting && relative) || (by && between.some((word) => PASSIVE.has(word))))
          return true;
      }
      // "block X" / "blocked by X": the same thing after the verb, acting in one, acted on in the
      // other. The same form needs the active reading spelled out ("tickets that blocked the
      // release" / "tickets blocked by the release").
      if (!by && (form !== action || relative) && withAgent.has(`${form} ${thing}`)) return true;
    }
  }
  return false;
}
