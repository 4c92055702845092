import {
  ACTION_CLASSES,
  AUXILIARIES_OF_AGREEMENT,
  EQUIVALENT_PHRASES,
  KNOWN_WORDS,
  MASS_NOUNS,
  SKIPPABLE_IN_ACRONYMS,
} from './vocabulary.js';

/**
 * Rewrites a pair of texts so that spellings of the same thing read the same before the meaning
 * markers are compared: abbreviations (`PR` / "pull request", `w/` / "with", `CI` / "continuous
 * integration"), typos ("isssue" / "issue") and number spellings ("120k" / "120 thousand"). Each
 * rewrite is made only when the other text has the spelled-out form, so nothing is normalised into a
 * match that the other text does not back up. Linear in the texts' length times their word counts.
 */
export function alignPair(stored: string, query: string): [string, string] {
  let left = normaliseSpellings(stored);
  let right = normaliseSpellings(query);
  // "failed to reply", "fails to load": the thing did not happen, unless the other text says it
  // failed too ("the backup fails to run" / "the backup run fails").
  [left, right] = [failedToNot(left, right), failedToNot(right, left)];
  [left, right] = alignPhrases(left, right);
  [left, right] = [expandAcronyms(left, right), expandAcronyms(right, left)];
  // One after the other: corrected at once, each text would take the other's misspelling.
  right = correctTypos(right, left);
  left = correctTypos(left, right);
  return [left, right];
}

const FAIL_TO = /\b(?:fail|fails|failed|failing) to\b/giu;
const FAILS = /\bfail(?:s|ed|ing|ure|ures)?\b/iu;
const failedToNot = (text: string, other: string) =>
  FAILS.test(other) ? text : text.replace(FAIL_TO, 'not');

// One spelling for numbers and a few compact forms, applied to each text on its own.
function normaliseSpellings(text: string): string {
  return (
    text
      // "120k", "25K": thousands ("5km" and "3kg" are not touched: the k must end the word).
      .replace(/\b(\d+(?:\.\d+)?)\s?[kK]\b/gu, (_span, value: string) => String(Number(value) * 1000))
      .replace(/\b(\d+(?:\.\d+)?)\s(thousand|million)\b/giu, (_span, value: string, scale: string) =>
        String(Number(value) * (scale.toLowerCase() === 'thousand' ? 1000 : 1_000_000)),
      )
      // "Q4" = "fourth quarter" = "quarter 4"; "v3" = "version 3".
      .replace(/\b[qQ]([1-4])\b/gu, 'quarter $1')
      .replace(/\b(first|second|third|fourth) quarter\b/giu, (_span, ordinal: string) => {
        const number = ['first', 'second', 'third', 'fourth'].indexOf(ordinal.toLowerCase()) + 1;
        return `quarter ${number}`;
      })
      .replace(/\bv(\d+(?:\.\d+)*)\b/gu, 'version $1')
      .replace(/\b(?:1:1|1-on-1|one-on-one|one on one)\b/giu, 'oneonone')
      // "other than bugs", "anything but bugs": an exclusion, like `except`. The quantifier stays
      // ("anyone except Bob" is not "everyone except Bob").
      .replace(/\bother than\b/giu, 'except')
      .replace(/\b((?:any|every|some|no)(?:thing|one|body|where)\s+)but\b/giu, '$1except')
      // One apostrophe: "don‘t" and "donʼt" are "don’t" (backticks stay: they mark code).
      .replace(/[\u2018\u02BC]/gu, '\u2019')
      // "out of" is one word, the opposite of "in" and "into" ("in stock" / "out of stock"); "close
      // out", "log out" are not.
      .replace(/\bout of\b(?! office)/giu, 'outof')
      // "w/o" is always "without" (a negation), whatever the other text says.
      .replace(/(?<![\p{L}\p{N}])w\/o(?![\p{L}\p{N}])/giu, 'without')
      // Courtesy that asks nothing: "if you don't mind", "when you get a chance", "sorry to bother you, but".
      .replace(POLITE_FORMULAS, ' ')
      .replace(NO_RUSH, '$1$2 ')
      .replace(GREETING, '')
      // Prefixes written with a hyphen negate the whole word: "de-escalate" is one word, "deescalate".
      .replace(/\b(un|non|de|dis|re)-(\p{L}{3,})/giu, '$1$2')
  );
}

// Never a formula when its last word goes on ("if you can't", "no rush delivery"): the lookahead.
const POLITE_FORMULAS =
  /\b(?:if (?:you don['’]?t mind|it['’]?s not too much (?:trouble|bother)|it isn['’]?t too much (?:trouble|bother)|possible)|when(?:ever)? you (?:get|have) a (?:sec|second|minute|moment|chance)|(?:thanks|thank you)(?: so much| a lot| in advance)?(?=\s*(?:[,!.?]|$))|i beg you)(?![\p{L}\p{N}'’-])[,!.]?/giu;
// "No rush", "no worries" only as a sentence of their own ("no rush delivery" is an order).
const NO_RUSH = /(^|[,.!?;:])(\s*)no (?:rush|worries|pressure|hurry)(?=\s*(?:[,.!?;:]|$))/giu;
// A greeting or an apology that opens the text, up to its comma, colon or full stop.
const GREETING =
  /^\s*(?:(?:hi|hello|hey|ok|okay|ugh|um|well|sorry(?: to (?:bother|trouble) you)?(?: with this)?)(?: there)?\s*[,!:.]\s*(?:but\s+)?){1,3}/iu;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
const phrasePattern = (phrase: string, flags: string) =>
  new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(phrase)}(?![\\p{L}\\p{N}/])`, flags);
/** A phrase with its patterns: a test pattern (no state) and a replace-all one, each compiled once. */
interface PhraseEntry {
  readonly phrase: string;
  test?: RegExp;
  all?: RegExp;
}
// Compiled when a text first contains the phrase, not at import: hundreds of patterns cost every
// importer of the package tens of ms, and most phrases never occur.
const EQUIVALENT_PATTERNS: readonly (readonly PhraseEntry[])[] = EQUIVALENT_PHRASES.map((group) =>
  group.map((phrase) => ({ phrase })),
);
const testPattern = (entry: PhraseEntry) => (entry.test ??= phrasePattern(entry.phrase, 'iu'));
const replaceAllPattern = (entry: PhraseEntry) => (entry.all ??= phrasePattern(entry.phrase, 'giu'));

/** A phrase of a group of equivalents in one text and another of the group in the other: one spelling. */
function alignPhrases(left: string, right: string): [string, string] {
  let [one, other] = [left, right];
  let [lowerOne, lowerOther] = [one.toLowerCase(), other.toLowerCase()];
  // A substring search first: the patterns (a lookbehind at their start) would try every position.
  const find = (group: readonly PhraseEntry[], text: string, lower: string) =>
    group.find((entry) => lower.includes(entry.phrase) && testPattern(entry).test(text));
  for (const group of EQUIVALENT_PATTERNS) {
    const inOne = find(group, one, lowerOne);
    if (inOne === undefined) continue;
    const inOther = find(group, other, lowerOther);
    if (inOther === undefined || inOne === inOther) continue;
    // The longer (spelled-out) form wins, so both texts read it.
    if (inOne.phrase.length >= inOther.phrase.length) {
      other = other.replace(replaceAllPattern(inOther), inOne.phrase);
      lowerOther = other.toLowerCase();
    } else {
      one = one.replace(replaceAllPattern(inOne), inOther.phrase);
      lowerOne = one.toLowerCase();
    }
  }
  return [one, other];
}

const WORDS = /[\p{L}\p{N}]+/gu;
const MAX_UNMATCHED_WORDS = 32;

/**
 * "CI" in one text and "continuous integration" in the other: an all-capitals word whose letters
 * are the initials of a run of the other text's words ("statement of work" = SOW, "Europe, Middle
 * East and Africa" = EMEA) is replaced by that run.
 */
function expandAcronyms(text: string, other: string): string {
  const otherWords = [...other.matchAll(WORDS)].map((match) => match[0]);
  const otherLower = new Set(otherWords.map((word) => word.toLowerCase()));
  let expanded = 0;
  return text.replace(/\b(\p{Lu}{2,6})(s?)\b/gu, (span, acronym: string) => {
    // Bounded, so that long input stays linear.
    if (++expanded > MAX_UNMATCHED_WORDS) return span;
    if (otherLower.has(acronym.toLowerCase()) || otherLower.has(span.toLowerCase())) return span;
    const run = initialsRun(acronym.toLowerCase(), otherWords);
    return run ?? span;
  });
}

function initialsRun(letters: string, words: readonly string[]): string | undefined {
  for (let start = 0; start < words.length; start++) {
    if (words[start]![0]!.toLowerCase() !== letters[0]) continue;
    let position = 0;
    let index = start;
    while (index < words.length && position < letters.length) {
      const word = words[index]!.toLowerCase();
      // "and" in "Middle East and Africa" is skipped when the next word has the letter too.
      const skip =
        SKIPPABLE_IN_ACRONYMS.has(word) && words[index + 1]?.[0]?.toLowerCase() === letters[position];
      if (word[0] === letters[position] && !skip) position++;
      else if (!SKIPPABLE_IN_ACRONYMS.has(word)) break;
      index++;
    }
    if (position === letters.length) return words.slice(start, index).join(' ');
  }
  return undefined;
}

/** Capitalised and not the first word of a sentence: a name. */
function isName(word: string, text: string, offset: number): boolean {
  if (!/^\p{Lu}/u.test(word)) return false;
  let before = offset - 1;
  while (before >= 0 && /\s/u.test(text[before]!)) before--;
  return before >= 0 && !/[.!?:;]/u.test(text[before]!);
}

/** Whether two words are one edit apart: a letter added, dropped, changed, or two neighbours swapped. */
export function oneEditApart(left: string, right: string): boolean {
  if (left === right) return false;
  const [short, long] = left.length <= right.length ? [left, right] : [right, left];
  if (long.length - short.length > 1) return false;
  let start = 0;
  while (start < short.length && short[start] === long[start]) start++;
  if (short.length === long.length) {
    if (short.slice(start + 1) === long.slice(start + 1)) return true;
    return (
      short[start] === long[start + 1] &&
      short[start + 1] === long[start] &&
      short.slice(start + 2) === long.slice(start + 2)
    );
  }
  return short.slice(start) === long.slice(start + 1);
}

const DO_SUPPORT = new RegExp(`\\b(?:${[...AUXILIARIES_OF_AGREEMENT].join('|')})\\b`, 'iu');

/** One word the singular of the other: "draft" / "drafts", "reply" / "replies", "box" / "boxes". */
export function singularAndPlural(one: string, other: string): boolean {
  const plural = (singular: string, form: string) =>
    form === `${singular}s` ||
    form === `${singular}es` ||
    (singular.endsWith('y') && form === `${singular.slice(0, -1)}ies`);
  return plural(one, other) || plural(other, one);
}

/** One verb in the past and in the present ("arrived" / "arrives", "used" / "uses"): another time, not a typo. */
export function tensesOfOneVerb(one: string, other: string): boolean {
  const [past, present] = one.endsWith('d') ? [one, other] : [other, one];
  return (
    (past.endsWith('ed') && present === `${past.slice(0, -2)}es`) ||
    (past.endsWith('d') && present === `${past.slice(0, -1)}s`)
  );
}

/** The words that are `word`'s singular or plural ("draft" → drafts, draftes; "replies" → reply…): one lookup each. */
export function singularOrPluralForms(word: string): string[] {
  const forms = [`${word}s`, `${word}es`];
  if (word.endsWith('y')) forms.push(`${word.slice(0, -1)}ies`);
  if (word.endsWith('s')) forms.push(word.slice(0, -1));
  if (word.endsWith('es')) forms.push(word.slice(0, -2));
  if (word.endsWith('ies')) forms.push(`${word.slice(0, -3)}y`);
  return forms;
}

/** The present forms of a verb in the past ("arrived" → arrives, arrive… ; "used" → uses), for set lookups. */
export function presentFormsOf(past: string): string[] {
  if (!past.endsWith('d')) return [];
  const forms = [`${past.slice(0, -1)}s`];
  if (past.endsWith('ed')) forms.push(`${past.slice(0, -2)}es`);
  return forms;
}

// Words with a meaning of their own that are one edit from another such word ("sent" / "send"):
// never corrected into each other.
const MEANINGFUL = new Set([
  ...KNOWN_WORDS,
  ...Object.values(ACTION_CLASSES).flatMap((verbs) => verbs.split(' ')),
]);

/**
 * A word of four or more letters that the other text does not have, one edit from one it has (and
 * this one lacks), is read as that word: "isssue", "acounting", "Firday". Two capitalised names one
 * letter apart ("Lena" / "Lina") are different people, and two words that both mean something to
 * the guard ("sent" / "send") stay apart.
 */
function correctTypos(text: string, other: string): string {
  const own = new Set([...text.matchAll(WORDS)].map((match) => match[0].toLowerCase()));
  const candidates = [...other.matchAll(WORDS)]
    .filter(({ 0: word }) => word.length >= 4 && !own.has(word.toLowerCase()) && !/\p{N}/u.test(word))
    .map(({ 0: word, index }) => ({ word, lower: word.toLowerCase(), name: isName(word, other, index) }));
  // A text with this many words the other lacks is not a misspelling of it; the cap keeps long
  // input linear.
  if (candidates.length === 0 || candidates.length > MAX_UNMATCHED_WORDS) return text;
  const otherLower = new Set(candidates.map((candidate) => candidate.lower));
  // "Thai" stays "Thai" when the other text says it too, whatever else it misspells ("tahi").
  const otherWords = new Set([...other.matchAll(WORDS)].map((match) => match[0].toLowerCase()));
  const doSupport = DO_SUPPORT.test(text) || DO_SUPPORT.test(other);
  return text.replace(WORDS, (word, offset: number) => {
    const lower = word.toLowerCase();
    if (word.length < 4 || otherLower.has(lower) || otherWords.has(lower) || /\p{N}/u.test(word)) return word;
    // "haven't" is not a misspelt "have": a negative contraction is the negation check's.
    if (/^['’]t\b/u.test(text.slice(offset + word.length)) && lower.endsWith('n')) return word;
    const name = isName(word, text, offset);
    const match = candidates.find((candidate) => {
      if (!oneEditApart(lower, candidate.lower)) return false;
      // One thing or several is the scope check's, not a typo; but a question's "does" or a "will"
      // takes the "s" of its verb ("when does it board" / "when it boards", "if it will drop" / "if
      // it drops"), "todays" is "today's", and "email" is also "emails".
      if (
        singularAndPlural(lower, candidate.lower) &&
        !doSupport &&
        !KNOWN_WORDS.has(lower.replace(/s$/u, '')) &&
        !MASS_NOUNS.has(lower.replace(/s$/u, ''))
      )
        return false;
      if (MEANINGFUL.has(lower) && MEANINGFUL.has(candidate.lower)) return false;
      if (tensesOfOneVerb(lower, candidate.lower)) return false;
      return !(name && candidate.name) || MEANINGFUL.has(candidate.lower);
    });
    return match?.word ?? word;
  });
}
