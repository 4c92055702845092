import {
  alignPair,
  presentFormsOf,
  singularAndPlural,
  singularOrPluralForms,
  tensesOfOneVerb,
} from './align-pair.js';
import { COORDINATING, isContent, rolesSwapped, tradedPlaces } from './word-order.js';
import { actionOf, meaningMarkers, type MeaningMarkers, requestedActionOf } from './meaning-markers.js';
import {
  AUXILIARIES_OF_AGREEMENT,
  DETERMINERS,
  FILLER,
  MASS_NOUNS,
  MONTHS,
  NEGATING_PREFIXES,
  NOT_NAMES,
  OPPOSITES,
  RELATIVE_DATES,
  SYNONYMS,
  UNITS,
  WEEKDAYS,
} from './vocabulary.js';
import type { NearMissGuard, NearMissReason, NearMissVerdict } from './near-miss-guard.js';

/** Whether `key` (a name from one text) appears in the other text, as a name or a plain word. */
function mentions(other: MeaningMarkers, key: string): boolean {
  if (other.entities.has(key) || other.words.has(key)) return true;
  // "api-gateway", "notes.docx": every part appears ("the api gateway").
  const parts = key.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (parts.length > 1) return parts.every((part) => other.words.has(part));
  if (key.startsWith('#')) return other.words.has(key.slice(1)) || other.numbers.includes(key.slice(1));
  // Plural and possessive forms ("Jane's", "PRs"): the apostrophe is already gone.
  const bare = key.replace(/s$/u, '');
  return other.words.has(bare) || other.words.has(`${key}s`) || other.entities.has(bare);
}

const sameSet = (left: ReadonlySet<string>, right: ReadonlySet<string>) =>
  left.size === right.size && [...left].every((value) => right.has(value));

// "Close 3004" and "close ticket 3004": a number in one is the issue number in the other.
const plainNumbers = (markers: MeaningMarkers, other: MeaningMarkers) =>
  markers.numbers.filter((number) => !other.entities.has(`#${number}`)).join(' ');

/** A named thing given one number in one text and another in the other ("Alice $10" / "Alice $200"). */
function namedNumbersDiffer(left: MeaningMarkers, right: MeaningMarkers): boolean {
  for (const [name, number] of left.namedNumbers) {
    const other = right.namedNumbers.get(name);
    if (other !== undefined && other !== number) return true;
  }
  return false;
}

/** A number (or `me`) after `by` in one text and after `to` in the other ("by 10%" / "to 10%"). */
function byOrToDiffer(left: MeaningMarkers, right: MeaningMarkers): boolean {
  for (const [target, prepositions] of left.byOrTo) {
    const other = right.byOrTo.get(target);
    if (other && prepositions.size === 1 && other.size === 1 && !other.has([...prepositions][0]!))
      return true;
  }
  return false;
}

function numbersDiffer(left: MeaningMarkers, right: MeaningMarkers): boolean {
  if (plainNumbers(left, right) !== plainNumbers(right, left)) return true;
  if (namedNumbersDiffer(left, right)) return true;
  return left.units.size > 0 && right.units.size > 0 && !sameSet(left.units, right.units);
}

/** A name in `left` that `right` does not mention. */
function entitiesDiffer(left: MeaningMarkers, right: MeaningMarkers): boolean {
  for (const key of left.entities) if (!mentions(right, key)) return true;
  return false;
}

const ROLE_OF_ORIGIN: Record<string, string> = { origin: 'from' };

function rolesOf(markers: MeaningMarkers): Map<string, Set<string>> {
  const roles = new Map<string, Set<string>>();
  for (const [role, targets] of markers.directions)
    for (const target of targets) {
      let set = roles.get(target);
      if (!set) roles.set(target, (set = new Set()));
      set.add(ROLE_OF_ORIGIN[role] ?? role);
    }
  return roles;
}

/** A phrase's distinct words, sorted: one key per set of words. */
const keyOf = (words: readonly string[]) => [...new Set(words)].sort().join(' ');
/** The keys of every non-empty subset of each phrase's words (a phrase has at most three). */
function subsetKeys(phrases: ReadonlySet<string>): Set<string> {
  const keys = new Set<string>();
  for (const phrase of phrases) {
    const words = [...new Set(phrase.split(' '))];
    for (let mask = 1; mask < 1 << Math.min(words.length, 3); mask++)
      keys.add(keyOf(words.filter((_, bit) => mask & (1 << bit))));
  }
  return keys;
}
/**
 * Phrases where neither one's words contain the other's ("into initech inc" / "into initech ltd").
 * Linear in the number of phrases: each phrase is looked up among the other side's word subsets.
 */
function phrasesDisjoint(left: ReadonlySet<string>, right: ReadonlySet<string>): boolean {
  const [leftSubsets, rightSubsets] = [subsetKeys(left), subsetKeys(right)];
  for (const one of left) if (rightSubsets.has(keyOf(one.split(' ')))) return false;
  for (const other of right) if (leftSubsets.has(keyOf(other.split(' ')))) return false;
  return true;
}

/**
 * A word pointed at in opposite ways ("from Oslo" / "to Oslo"), one direction with other targets,
 * or the first person acting in one and acted on in the other ("emails I sent to Lucia" / "emails
 * Lucia sent me").
 */
function directionsDiffer(left: MeaningMarkers, right: MeaningMarkers): boolean {
  for (const [role, phrases] of left.directionPhrases) {
    const other = right.directionPhrases.get(role);
    if (other && phrasesDisjoint(phrases, other)) return true;
  }
  const swapped = (one: MeaningMarkers, other: MeaningMarkers) =>
    [...one.firstPerson.subject].some(
      (verb) =>
        other.firstPerson.object.has(verb) &&
        !one.firstPerson.object.has(verb) &&
        !other.firstPerson.subject.has(verb),
    );
  if (swapped(left, right) || swapped(right, left)) return true;
  // "Who does Karen report to?" / "Who reports to Karen?": Karen acts in one, is acted on in the other.
  const asked = (one: MeaningMarkers, other: MeaningMarkers) =>
    [...one.whoQuestion.subject].some((word) => other.whoQuestion.object.has(word));
  if (asked(left, right) || asked(right, left)) return true;
  const rightRoles = rolesOf(right);
  for (const [word, roles] of rolesOf(left)) {
    const other = rightRoles.get(word);
    if (other && ![...roles].some((role) => other.has(role))) return true;
  }
  for (const [role, targets] of left.directions) {
    if (role === 'origin') continue;
    const other = right.directions.get(role);
    if (other && ![...targets].some((target) => other.has(target))) return true;
  }
  return false;
}

const contains = (outer: ReadonlySet<string>, inner: ReadonlySet<string>) =>
  [...inner].every((value) => outer.has(value));

/**
 * Both name actions and neither names all of the other's (merge ≠ revert; "restore the deleted
 * file" still matches "restore the file"). Looking (show, list…) only counts when it is all one side does.
 */
function actionsDiffer(left: MeaningMarkers, right: MeaningMarkers): boolean {
  const doing = (actions: Set<string>) =>
    new Set([...actions].filter((action) => action !== 'read' && !action.startsWith('state ')));
  // "did CI pass on PR 412?" / "rerun CI on PR 412", "is the refund processed?" / "process the
  // refund": asking how it went is not doing it.
  const onlyAsks = (one: MeaningMarkers, other: MeaningMarkers) =>
    one.asksWhether &&
    !other.asksWhether &&
    doing(one.actions).size === 0 &&
    (doing(other.actions).size > 0 || pastOf(other.sequence[0] ?? '').some((form) => one.words.has(form)));
  if (onlyAsks(left, right) || onlyAsks(right, left)) return true;
  if (left.actions.size === 0 || right.actions.size === 0) return false;
  let [leftActions, rightActions] = [doing(left.actions), doing(right.actions)];
  if (leftActions.size === 0 || rightActions.size === 0)
    [leftActions, rightActions] = [left.actions, right.actions];
  return !contains(leftActions, rightActions) && !contains(rightActions, leftActions);
}

const NARROWING_SCOPES = new Set(['some', 'only', 'this']);
const FIRST_PERSON_OWNERS = new Set(['i', 'we', 'us']);
// What a team shares in its tools: "open PRs" are everyone's, "my open PRs" mine.
const SHARED_WORK = new Set(
  (
    'prs requests branches bugs issues tickets tasks commits repos repositories projects epics stories ' +
    'incidents alerts deployments builds jobs pipelines deals leads opportunities invoices documents docs ' +
    'pages channels'
  ).split(' '),
);
const contentWords = (markers: MeaningMarkers) => markers.sequence.filter(isContent);
const universal = (markers: MeaningMarkers) => markers.scopes.has('all');

/**
 * Both quantify, differently ("every" ≠ "my" ≠ "the latest"); or one says all / every / the whole
 * and the other narrows it with a word the first lacks ("every completed task" / "the completed
 * tasks in the marketing project"). One side alone quantifying, with nothing narrowed, is a rewording.
 */
function scopesDiffer(left: MeaningMarkers, right: MeaningMarkers): boolean {
  if (left.scopes.size > 0 && right.scopes.size > 0 && !sameSet(left.scopes, right.scopes)) return true;
  // "some of the issues", "only the open ones", "the latest one" narrow what the other says.
  const narrows = (one: MeaningMarkers, other: MeaningMarkers) =>
    other.scopes.size === 0 && [...one.scopes].some((scope) => NARROWING_SCOPES.has(scope));
  if (narrows(left, right) || narrows(right, left)) return true;
  // "list open PRs" / "list my open PRs": all of a team's things, or mine. Only for things a team
  // shares (pull requests, branches, tickets…): "my unread emails" are the unread emails.
  const onlyMine = (mine: MeaningMarkers, other: MeaningMarkers) => {
    if (!mine.scopes.has('mine') || other.scopes.size > 0 || other.owners.size > 0) return false;
    // "What PRs do I have open" / "list my open PRs": the first person owns them there too ("show
    // me", "give me" only ask).
    const firstPerson = other.sequence.some(
      (word, index) => FIRST_PERSON_OWNERS.has(word) || (word === 'me' && index > 1),
    );
    if (firstPerson) return false;
    // The plural must be in the phrase "my" opens ("my open PRs"; not "my train to Brussels").
    const words = mine.sequence;
    return words.some((word, index) => {
      if (word !== 'my') return false;
      const phrase = words.slice(index + 1, index + 4);
      const end = phrase.findIndex((next) => !isContent(next));
      return phrase
        .slice(0, end < 0 ? phrase.length : end)
        .some((next) => SHARED_WORK.has(next) && other.words.has(next));
    });
  };
  if (onlyMine(left, right) || onlyMine(right, left)) return true;
  // "my calendar" / "the team's calendar": one owner for another.
  const ownedElsewhere = (mine: MeaningMarkers, other: MeaningMarkers) =>
    (mine.scopes.has('mine') || mine.scopes.has('ours')) &&
    [...other.owners].some((owner) => !mine.words.has(owner));
  if (ownedElsewhere(left, right) || ownedElsewhere(right, left)) return true;
  const narrowed = (all: MeaningMarkers, some: MeaningMarkers) =>
    universal(all) &&
    !universal(some) &&
    contentWords(some).some(
      (word) =>
        !all.words.has(word) &&
        !all.words.has(`${word}s`) &&
        !all.words.has(word.replace(/s$/u, '')) &&
        // "show", "find": how it is asked, not what; "unread" is the other's "not read".
        actionOf(word) !== 'read' &&
        !(word.startsWith('un') && all.words.has(word.slice(2))),
    );
  return (
    narrowed(left, right) ||
    narrowed(right, left) ||
    oneOfThem(left, right) ||
    oneOfThem(right, left) ||
    allOfMore(left, right) ||
    allOfMore(right, left) ||
    saysWhichPart(left, right) ||
    saysWhichPart(right, left) ||
    numberOfThingsDiffers(left, right)
  );
}

// "emails from my boss": who a thing is from or by picks some of it. "the attachments in the
// thread": what a thing is in or on makes it a part.
const RESTRICTING = new Set(['from', 'by', 'about']);
const PART_OF = new Set(['in', 'on', 'of', 'inside', 'within']);
/**
 * The other text with words added that pick some of what it names, or a part of it: "unread emails
 * from my boss" / "unread emails", "the attachments in the thread" / "the thread", "the shipping
 * fee on order 4410" / "order 4410", "avoid tolls and highways" / "avoid tolls". Each run of the
 * longer text's extra content words follows `from`, `by` or `about` (a restriction) or `and` / `or`
 * (another item), or follows a determiner and comes before `in`, `on`, `of`… (a part, read only
 * when the request changes something); the shorter text says nothing the longer lacks.
 */
function saysWhichPart(longer: MeaningMarkers, shorter: MeaningMarkers): boolean {
  const { removed, added } = wordDifference(contentWords(longer), contentWords(shorter));
  if (added.length > 0 || removed.length === 0 || removed.length > 4) return false;
  if (
    shorter.sequence.some(
      (word) => word !== '.' && !FILLER.has(word) && !POLITE.has(word) && !longer.words.has(word),
    )
  )
    return false;
  const extra = new Set(removed);
  const words = longer.sequence;
  // Reading the emails in an inbox is reading the inbox; deleting them is not deleting it.
  const changesIt = [...longer.actions].some((action) => action !== 'read' && action !== 'summarize');
  for (let start = 0; start < words.length; start++) {
    if (!extra.has(words[start]!)) continue;
    let end = start;
    while (extra.has(words[end + 1] ?? '')) end++;
    let before = start - 1;
    while (FILLER.has(words[before] ?? '') && !RESTRICTING.has(words[before]!)) before--;
    // "tolls and highways" / "tolls": one more item of a list.
    const picksSome =
      RESTRICTING.has(words[before] ?? '') ||
      COORDINATING.has(words[start - 1] ?? '') ||
      // "tolls and highways" / "highways" (not "go ahead and close": the request's verb follows).
      (COORDINATING.has(words[end + 1] ?? '') &&
        shorter.words.has(words[end + 2] ?? '') &&
        actionOf(words[end + 2] ?? '') === undefined &&
        words[end + 2] !== shorter.sequence[0]);
    const part = changesIt && DETERMINERS.has(words[start - 1] ?? '') && PART_OF.has(words[end + 1] ?? '');
    if (!picksSome && !part) return false;
    start = end;
  }
  return true;
}

/**
 * "close the ticket and all its linked tickets", "copy the whole tab including the chart" / "close
 * the ticket", "copy the chart": all of something more than the other names. The extra words (at
 * most three) follow all / every / each / whole / entire closely; a wordier text that mentions
 * "everyone" in passing is not it.
 */
const ALL_OF = new Set(['all', 'every', 'each', 'whole', 'entire']);
function allOfMore(all: MeaningMarkers, other: MeaningMarkers): boolean {
  if (!universal(all) || universal(other)) return false;
  const { removed, added } = wordDifference(contentWords(all), contentWords(other));
  if (removed.length === 0 || removed.length > 3) return false;
  if (!added.every((word) => removed.some((extra) => singularAndPlural(word, extra)))) return false;
  // The words at most four after a quantifier.
  const near = new Set<string>();
  let since = Infinity;
  for (const word of all.sequence) {
    if (since < 4) near.add(word);
    since = ALL_OF.has(word) ? 0 : since + 1;
  }
  return removed.every((extra) => near.has(extra));
}

const EACH = new Set(['every', 'each']);
const ONE_THING = new Set(['the', 'this', 'that', 'a', 'an']);
/** "email every contact at Pinecrest" / "email the contact at Pinecrest": all of them, or one. */
function oneOfThem(all: MeaningMarkers, one: MeaningMarkers): boolean {
  if (!universal(all) || universal(one)) return false;
  const each = new Set(all.sequence.filter((_, index) => EACH.has(all.sequence[index - 1] ?? '')));
  return one.sequence.some((word, index) => each.has(word) && ONE_THING.has(one.sequence[index - 1] ?? ''));
}

/**
 * The same words but for one or more nouns in the singular in one and the plural in the other
 * ("delete the draft" / "delete the drafts", "these transactions" / "this transaction"): one thing
 * or several.
 */
function numberOfThingsDiffers(left: MeaningMarkers, right: MeaningMarkers): boolean {
  const hasAuxiliary = (markers: MeaningMarkers) =>
    [...AUXILIARIES_OF_AGREEMENT].some((word) => markers.words.has(word));
  // "when Ana replies" / "when Ana will reply": a verb's "s", not several things.
  if (hasAuxiliary(left) || hasAuxiliary(right)) return false;
  const { removed, added } = wordDifference(contentWords(left), contentWords(right));
  if (removed.length === 0 || removed.length !== added.length) return false;
  return removed.every((word) =>
    added.some((other) => singularAndPlural(word, other) && !MASS_NOUNS.has(word.replace(/s$/u, ''))),
  );
}

/** The words of `left` that `right` lacks and the other way round, as multisets, and how many they share. */
function wordDifference(
  left: readonly string[],
  right: readonly string[],
): { removed: string[]; added: string[]; shared: number } {
  const counts = new Map<string, number>();
  for (const word of left) counts.set(word, (counts.get(word) ?? 0) + 1);
  const added: string[] = [];
  let shared = 0;
  for (const word of right) {
    const count = counts.get(word) ?? 0;
    if (count > 0) {
      counts.set(word, count - 1);
      shared++;
    } else added.push(word);
  }
  const removed = [...counts].flatMap(([word, count]) => Array.from({ length: count }, () => word));
  return { removed, added, shared };
}

/**
 * The same request but for one content word swapped for another ("the staging branch" / "the
 * production branch"): the two words, unless they are listed as synonyms.
 */
function substitution(left: MeaningMarkers, right: MeaningMarkers): [string, string] | undefined {
  // Verbs stay in: a known verb swapped for one the action classes do not list ("Approve the
  // report" / "Flag the report") is still another request. Numbers and issue numbers are the number
  // and entity checks' business.
  const things = (markers: MeaningMarkers) =>
    contentWords(markers).filter(
      (word) =>
        !POLITE.has(word) &&
        !/\p{N}/u.test(word) &&
        // Dates are the date check's ("December" / "Dec").
        MONTHS[word] === undefined &&
        WEEKDAYS[word] === undefined &&
        RELATIVE_DATES[word] === undefined,
    );
  const difference = wordDifference(things(left), things(right));
  // "meeting" / "meetings" is the scope check's: read past it ("my meeting with the designer" /
  // "my meetings with the engineer" still swaps a person).
  // Set lookups: two long texts with nothing in common stay linear.
  const [removedSet, addedSet] = [new Set(difference.removed), new Set(difference.added)];
  const removed = difference.removed.filter(
    (word) => !singularOrPluralForms(word).some((form) => addedSet.has(form)),
  );
  const added = difference.added.filter(
    (word) => !singularOrPluralForms(word).some((form) => removedSet.has(form)),
  );
  const shared = difference.shared + (difference.removed.length - removed.length);
  // One word for one. Two words for one ("the living room" / "the garage") are not read: on the
  // tuning sets that rule cost more paraphrases (rewordings) than it caught near-misses.
  // One word for another in the same place and nothing else changed ("Will it rain in Chicago" /
  // "Will it snow in Chicago") counts with one shared word.
  const inPlace =
    left.sequence.length === right.sequence.length &&
    left.sequence.filter((word, index) => word !== right.sequence[index]).length === 1;
  if (removed.length !== 1 || added.length !== 1 || shared < (inPlace ? 1 : 2)) return undefined;
  const [one, other] = [removed[0]!, added[0]!];
  // "spin up" / "provision": a two-word action is its class.
  const phrased = (markers: MeaningMarkers, head: string, word: string) =>
    markers.actionInPhrase.get(head) !== undefined && markers.actionInPhrase.get(head) === actionOf(word);
  if (phrased(left, one, other) || phrased(right, other, one)) return undefined;
  return related(one, other) ? undefined : [one, other];
}

/** A verb and its -ing form ("say" / "saying", "write" / "writing", "run" / "running"). */
function sameVerb(one: string, other: string): boolean {
  const [base, ing] = one.endsWith('ing') ? [other, one] : [one, other];
  if (!ing.endsWith('ing') || base.length < 3) return false;
  const stem = ing.slice(0, -3);
  return (
    stem === base ||
    `${stem}e` === base ||
    (stem.length > 3 && stem.slice(0, -1) === base && stem.at(-1) === stem.at(-2))
  );
}

// Nouns used as verbs that name a channel ("text", "ping", "call"): never the same as another verb.
const CHANNELS = new Set(['send', 'call']);

/** Two words that name the same thing or the same action, or a word and its "un" form. */
function related(one: string, other: string): boolean {
  if (actionOf(one) !== undefined && actionOf(one) === actionOf(other)) return true;
  // "report" / "flag", "clear" / "dismiss": a noun used as a verb and the verb it means ("text" /
  // "email" are two channels, not one).
  const verbAndNoun = (verb: string, noun: string) =>
    actionOf(verb) !== undefined &&
    actionOf(noun) === undefined &&
    !CHANNELS.has(requestedActionOf(noun) ?? '') &&
    requestedActionOf(noun) === actionOf(verb);
  if (verbAndNoun(one, other) || verbAndNoun(other, one)) return true;
  // "saying" / "say", "crashes" / "crashed": one verb (where the tense matters, the date check has
  // compared it).
  if (sameVerb(one, other) || tensesOfOneVerb(one, other)) return true;
  // "unread" / "not … read": the negation check has compared these.
  if (one === `un${other}` || other === `un${one}`) return true;
  if (UNITS[one] !== undefined && UNITS[one] === UNITS[other]) return true;
  return SYNONYMS.some((group) => group.includes(one) && group.includes(other));
}

/** "signed" / "unsigned", "escalate" / "de-escalate", "owner" / "ownerless": a word in one, its negated form in the other. */
function negatedWord(left: MeaningMarkers, right: MeaningMarkers): boolean {
  const flipped = (from: MeaningMarkers, to: MeaningMarkers) =>
    [...from.words].some(
      (word) =>
        word.length > 2 &&
        (NEGATING_PREFIXES.some((prefix) => to.words.has(prefix + word) && !from.words.has(prefix + word)) ||
          // "ownerless" / "an owner", "sugarless" / "sugar".
          (to.words.has(`${word}less`) && !from.words.has(`${word}less`))),
    );
  return flipped(left, right) || flipped(right, left);
}

/** "unread" in one, "not read" in the other: the same negation spelled two ways. */
const spelledOut = (prefixed: MeaningMarkers, negated: MeaningMarkers) =>
  !prefixed.negated &&
  negated.negated &&
  [...prefixed.words].some((word) => word.startsWith('un') && negated.words.has(word.slice(2)));

function negationDiffers(left: MeaningMarkers, right: MeaningMarkers): boolean {
  if (spelledOut(left, right) || spelledOut(right, left)) return false;
  return left.negated !== right.negated || negatedWord(left, right);
}

/** One says "up", the other "down" (and not the other way too). */
function opposites(left: MeaningMarkers, right: MeaningMarkers): boolean {
  return OPPOSITES.some(
    ([one, other]) =>
      (left.words.has(one) && right.words.has(other) && !left.words.has(other) && !right.words.has(one)) ||
      (left.words.has(other) && right.words.has(one) && !left.words.has(one) && !right.words.has(other)),
  );
}

/**
 * Two named things trade places and nothing else moves ("Alice invited Bob" / "Bob invited Alice",
 * "Compare staging with prod" / "Compare prod with staging"): the same words at the same places but
 * for content words that swap among themselves. A reordering that moves its prepositions along
 * ("from Oslo to Rome" / "to Rome from Oslo") is a rewording.
 */
function swapped(left: MeaningMarkers, right: MeaningMarkers): boolean {
  // Names and numbers move too, short ones included ("the CI role" / "the deploy role", "Q2" / "Q1").
  const movable = (word: string, markers: MeaningMarkers) =>
    isContent(word) || markers.entities.has(word) || /^\p{N}+$/u.test(word);
  const [one, other] = [left.sequence, right.sequence];
  if (one.length !== other.length) return false;
  const moved: string[] = [];
  const into: string[] = [];
  let first = -1;
  let last = -1;
  for (const [index, word] of one.entries())
    if (word !== other[index]) {
      if (!movable(word, left) || !movable(other[index]!, right)) return false;
      moved.push(word);
      into.push(other[index]!);
      if (first < 0) first = index;
      last = index;
    }
  // "Ana and Bob" / "Bob and Ana", "Store A and Store B": items of a list, in either order ("open at 9
  // and close at 5" / "close at 9 and open at 5" are not items: their verbs stay).
  if (moved.every((word) => actionOf(word) === undefined) && listInOtherOrder(one, other, first, last))
    return false;
  return moved.length >= 2 && moved.sort().join(' ') === into.sort().join(' ');
}

/** The past forms a word would have as a verb ("process" → processed; "merge" → merged). */
const pastOf = (word: string) => (word.length < 3 ? [] : [`${word}ed`, `${word}d`]);

const PAST_AUXILIARIES = new Set(['did', 'was', 'were', 'had']);
const PRESENT_AUXILIARIES = new Set(['does', 'do', 'is', 'are', 'will', 'has', 'have']);
/**
 * A verb in the past in one and in the present in the other, where the time is the point: with a
 * date ("the order that arrived on Tuesday" / "arrives on Tuesday") or in a when-question ("When did
 * my package arrive?" / "When does it arrive?"). Elsewhere ("the bug that crashes the app" /
 * "crashed the app") it is the same thing.
 */
function tensesDiffer(left: MeaningMarkers, right: MeaningMarkers): boolean {
  const aboutTime = (markers: MeaningMarkers) => markers.dates.size > 0 || markers.sequence[0] === 'when';
  if (!aboutTime(left) && !aboutTime(right)) return false;
  const { removed, added } = wordDifference(left.sequence, right.sequence);
  const auxiliaries = (one: string[], other: string[]) =>
    one.some((word) => PAST_AUXILIARIES.has(word)) && other.some((word) => PRESENT_AUXILIARIES.has(word));
  // Set lookups: long texts stay linear.
  const inOtherTense = (one: string[], other: string[]) => {
    const others = new Set(other);
    return one.some((word) => presentFormsOf(word).some((form) => others.has(form)));
  };
  return (
    inOtherTense(removed, added) ||
    inOtherTense(added, removed) ||
    auxiliaries(removed, added) ||
    auxiliaries(added, removed)
  );
}

/** words[first..last] of one are "X and Y" where the other's are "Y and X" ("Alice $10 and Bob $200"). */
function listInOtherOrder(
  one: readonly string[],
  other: readonly string[],
  first: number,
  last: number,
): boolean {
  const [mine, theirs] = [one.slice(first, last + 1), other.slice(first, last + 1)];
  return mine.some((word, at) => {
    if (!COORDINATING.has(word)) return false;
    const swappedBack = [...mine.slice(at + 1), word, ...mine.slice(0, at)];
    return swappedBack.every((each, index) => each === theirs[index]);
  });
}

/** A form of an action verb, somewhere in the text not after a determiner ("search the logs", not "the search service"). */
const usedAsVerb = (markers: MeaningMarkers, word: string) =>
  actionOf(word) !== undefined &&
  markers.sequence.some((at, index) => at === word && !DETERMINERS.has(markers.sequence[index - 1] ?? ''));

// Words of politeness and pace: never what a request is about.
const POLITE = new Set(
  (
    'please kindly could would can will you thanks thank now quickly quick currently ' +
    'actually again also just already proceed ahead anyway still yet maybe perhaps really'
  ).split(' '),
);

const CHECKS: readonly [NearMissReason, (left: MeaningMarkers, right: MeaningMarkers) => boolean][] = [
  ['negation', negationDiffers],
  ['number', numbersDiffer],
  ['date', (left, right) => !sameSet(left.dates, right.dates) || tensesDiffer(left, right)],
  [
    'direction',
    (left, right) =>
      directionsDiffer(left, right) ||
      byOrToDiffer(left, right) ||
      opposites(left, right) ||
      swapped(left, right) ||
      tradedPlaces(left, right) ||
      rolesSwapped(left, right),
  ],
  ['action', actionsDiffer],
  ['scope', scopesDiffer],
  // A verb swapped is another action, anything else another thing.
  [
    'action',
    (left, right) => {
      const swapped = substitution(left, right);
      return swapped !== undefined && (usedAsVerb(left, swapped[0]) || usedAsVerb(right, swapped[1]));
    },
  ],
  ['entity', (left, right) => substitution(left, right) !== undefined],
];

// "Plans changed and I won't be going, so please cancel my train": what comes before ", so" explains
// the request; the request is what follows.
// So is a clause before ", can you" / ", please" / ": please" ("It's way too noisy today, please
// mute #random"), the request being what the other text asks.
const CONTEXT_CLAUSE =
  /^.*(?:,\s*so\s+|[,:;—–]\s*(?=(?:please|pls|can you|could you|would you|will you)\s))(?=\S+\s+\S+\s+\S)/isu;
const WORD_PATTERN = /[\p{L}\p{N}]+/gu;
/**
 * The request part of `text`: without its context clause, unless the other text has one too, the
 * clause is shorter than three words ("In production, can you…" is part of the request) or the
 * other text says something the clause says ("The invoice was not paid, please email the client" /
 * "Please email the client that the invoice was paid": then it is no context).
 */
function requestPart(text: string, other: string): string {
  if (CONTEXT_CLAUSE.test(other)) return text;
  const clause = CONTEXT_CLAUSE.exec(text)?.[0];
  if (clause === undefined) return text;
  const words = clause.toLowerCase().match(WORD_PATTERN) ?? [];
  if (words.length < 3) return text;
  const otherWords = new Set(other.toLowerCase().match(WORD_PATTERN) ?? []);
  const said = (word: string) =>
    word.length > 2 && !FILLER.has(word) && !NOT_NAMES.has(word) && !POLITE.has(word) && otherWords.has(word);
  return words.some(said) ? text : text.slice(clause.length);
}

// A date the context says with a preposition ("It's for Tuesday, …", "due on Friday, so …").
const DATED_PHRASE = /\b(?:for|on|by|due|until|till|before|after|at|from)\s+[^,;:.!?—–]*/giu;
/**
 * The dates of a request and of what its context clause says it is for ("It's for Tuesday, can you
 * book a table"); not those the context tells a story with ("We fixed it last week, so please
 * close issue 77", "I'm out tomorrow, so set my status to away").
 */
function datesSaidFor(text: string, request: string): Set<string> {
  const clause = text.slice(0, text.length - request.length);
  const dated = clause.match(DATED_PHRASE) ?? [];
  return meaningMarkers([...dated, request].join(' . ')).dates;
}

/**
 * The longest match text, in UTF-16 code units, the default guard reads. A semantic candidate whose
 * stored text or query is longer is refused with reason `length` (an identical text is still
 * accepted; the exact tier is not guarded), so the guard's work per candidate is bounded whatever
 * the prompt.
 */
export const GUARD_MAX_LENGTH = 2000;

/** The verdict of the default guard, with the markers it read (for tests and debugging). */
export function checkMeaning(stored: string, query: string): NearMissVerdict {
  if (stored === query) return { accept: true };
  // A hard bound on the work: longer texts are refused unread (reason `length`).
  if (stored.length > GUARD_MAX_LENGTH || query.length > GUARD_MAX_LENGTH)
    return { accept: false, reason: 'length' };
  const [alignedStored, alignedQuery] = alignPair(stored, query);
  const leftRequest = requestPart(alignedStored, alignedQuery);
  const rightRequest = requestPart(alignedQuery, alignedStored);
  const leftWhole = meaningMarkers(alignedStored);
  const rightWhole = meaningMarkers(alignedQuery);
  const left = leftRequest === alignedStored ? leftWhole : meaningMarkers(leftRequest);
  const right = rightRequest === alignedQuery ? rightWhole : meaningMarkers(rightRequest);
  // Names count wherever the other text has them, its explanation included ("Isla starts Monday, so
  // share the folder with her" names Isla).
  if (entitiesDiffer(left, rightWhole) || entitiesDiffer(right, leftWhole))
    return { accept: false, reason: 'entity' };
  for (const [reason, differ] of CHECKS) if (differ(left, right)) return { accept: false, reason };
  // What a context clause says about numbers, dates and directions still counts ("It's for
  // Tuesday, can you book a table" is not "Can you book a table").
  if (left !== leftWhole || right !== rightWhole) {
    if (numbersDiffer(leftWhole, rightWhole)) return { accept: false, reason: 'number' };
    const [leftDates, rightDates] = [
      left === leftWhole ? left.dates : datesSaidFor(alignedStored, leftRequest),
      right === rightWhole ? right.dates : datesSaidFor(alignedQuery, rightRequest),
    ];
    if (!sameSet(leftDates, rightDates)) return { accept: false, reason: 'date' };
    if (directionsDiffer(leftWhole, rightWhole)) return { accept: false, reason: 'direction' };
  }
  return { accept: true };
}

/**
 * The guard every cache uses unless told otherwise: the stored prompt and the query must agree on
 * what flips a request's meaning. First the pair is aligned, each rewrite only where the other text
 * backs it up: abbreviations (`pls`, `msg`, `w/`, `PR` = pull request, `DM` = direct message…) and
 * acronyms spelled out in the other text ("CI" / "continuous integration"), typos (one edit, in words
 * of four letters or more, never between two names or two words the guard reads), number spellings
 * ("120k" = "120 thousand", "Q4" = "fourth quarter", "v3" = "version 3"); courtesy that asks nothing
 * ("if you don't mind", "when you get a chance", an opening "hi," or "sorry to bother you, but") is
 * dropped, and a clause before ", so", ", please" or ", can you" that only one text has is read as
 * context. Then —
 * - `negation`: both negated or neither (not, never, no, don't, haven't, without, w/o, except,
 *   other than, anything but, lack, fail to…; "unread" = "not read"), and no word negated in one
 *   only (signed / unsigned, escalate / de-escalate, owner / ownerless);
 * - `number`: the same numbers (digits or words, "2" = "two"; the sign kept, "-100" ≠ "100"; "1e3" =
 *   "1000"), the same number for each name that is given one ("Pay Alice $10 and Bob $200" ≠ the
 *   amounts swapped), and the same units where both give one (every currency symbol is a unit);
 * - `date`: the same months, weekdays, days ("June 4"), relative days (today, tomorrow, next week),
 *   parts of the day and times ("3pm" = "15:00");
 * - `entity`: every name in one appears in the other — capitalised words not starting a sentence,
 *   `@handles`, `#channels`, PR / issue numbers (`#77`, `PR 77`), emails, URLs, code in backticks,
 *   camelCase and snake_case identifiers (a name written in lower case in the other text counts);
 *   and not one content word swapped for another that is not its synonym ("staging" / "production");
 * - `direction`: nothing pointed at in opposite ways (from / to, `A → B`, "A to B", before / after,
 *   against / versus), the same target phrase where both say `to` (or `into`, `from`, `before`…),
 *   the first person not acting in one and acted on in the other ("I sent to Lucia" / "Lucia
 *   sent me"), who-questions asking about the other side ("Who does Karen report to?" / "Who
 *   reports to Karen?"), times in another order ("from 9am to 10am" / "from 10am to 9am"), and a
 *   word not after `by` in one and `to` in the other ("by 10%" / "to 10%", "assigned to me" /
 *   "assigned by me", "referred by Hooli" / "referred to Hooli"), two phrases trading places around
 *   the same words ("commits in A that aren't in B" / "in B that aren't in A"; not two items of a
 *   list, "Ana and Bob"), a role turned around a shared verb ("which hosts depend on X" / "which
 *   hosts does X depend on", "contacts who emailed our team" / "contacts our team emailed",
 *   "tickets that block X" / "tickets blocked by X"), and in / into against out of;
 * - `action`: when both name an action verb, the same action class (approve = accept ≠ reject;
 *   delete = remove = erase ≠ archive; merge ≠ revert; "email the notes" = send ≠ show; looking —
 *   show, list, find — only differs from doing);
 * - `scope`: when both quantify, the same quantifiers and owners (all / every ≠ my ≠ our ≠ some ≠
 *   the latest), "all" in one not narrowed in the other by a word it lacks ("every completed
 *   task" / "the completed tasks in the marketing project"), and one thing or several ("the draft"
 *   / "the drafts"; "email" / "emails" are one).
 * - `length`: either text is longer than 2,000 characters (`GUARD_MAX_LENGTH`): refused unread, so a
 *   long hostile prompt costs bounded work.
 * English-first: other languages keep the checks on digits, times, names, handles, URLs and code.
 */
export const defaultNearMissGuard: NearMissGuard = { check: checkMeaning };
