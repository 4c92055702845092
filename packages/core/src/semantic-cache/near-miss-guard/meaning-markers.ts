import {
  DETERMINERS,
  ACTION_CLASSES,
  ACTION_PHRASES,
  AMBIGUOUS_MONTHS,
  AMBIGUOUS_WEEKDAYS,
  DATE_MODIFIERS,
  DATE_UNITS,
  DIRECTIONS,
  FILLER,
  IRREGULAR_ACTIONS,
  lookupTable,
  MONTHS,
  NEGATIONS,
  NOT_ACTIONS,
  NOT_NAMES,
  NUMBER_WORDS,
  RELATIVE_DATES,
  SCOPE_WORDS,
  UNITS,
  WEEKDAYS,
} from './vocabulary.js';

/** What in a text flips its meaning, each part normalised so that rewordings compare equal. */
export interface MeaningMarkers {
  /** Number values, sorted (`"5"`, `"0.5"`); units apart. */
  numbers: string[];
  units: Set<string>;
  /** Months, weekdays, relative days, `next:week`, times as `h:mm` (24 h), ISO dates. */
  dates: Set<string>;
  /** Names, handles, channels, issue numbers, emails, URLs and code, lower-cased. */
  entities: Set<string>;
  negated: boolean;
  /** Direction role → what it points at (`from` → {oslo}). */
  directions: Map<string, Set<string>>;
  /** Action classes (`delete`, `merge`…). */
  actions: Set<string>;
  /** Quantifier / owner classes (`all`, `mine`…). */
  scopes: Set<string>;
  /** Every lower-cased word of the text: a name in one text may appear lower-cased in the other. */
  words: Set<string>;
  /** The lower-cased words in order, sentence ends as `.`. */
  sequence: string[];
  /** Direction role → the phrases it points at, up to three content words each (`into` → {"initech inc"}). */
  directionPhrases: Map<string, Set<string>>;
  /**
   * The verbs the first person does (`I sent` → subject {sent}) and undergoes (`sent me`, `sent to
   * me` → object {sent}), for swapped roles.
   */
  firstPerson: { subject: Set<string>; object: Set<string> };
  /**
   * Who-questions with do-support: `who did Hooli refer` → subject {hooli}; `who referred Hooli` →
   * object {hooli} (every content word after the question's verb).
   */
  whoQuestion: { subject: Set<string>; object: Set<string> };
  /** Whose, in the third person: `the team's calendar` → {team}. */
  owners: Set<string>;
  /** A number (or `me`) right after `by` or `to` → those prepositions ("by 10%" ≠ "to 10%"). */
  byOrTo: Map<string, Set<string>>;
  /** A named thing → the number right after it ("Pay Alice $10": alice → 10), for swapped amounts. */
  namedNumbers: Map<string, string>;
  /** The text opens with a yes/no question ("did CI pass…", "is the refund processed…"). */
  asksWhether: boolean;
  /**
   * Words that name an action with the words around them → its class ("spin" of "spin up" →
   * create, "mark" of "mark … as done" → close).
   */
  actionInPhrase: Map<string, string>;
}

// Spans that are one named thing whatever they contain (numbers in a URL are not quantities), read
// in this order. Each pattern is linear: no nested quantifiers, and a
// repeated part that could fail late after a long run has a bounded count.
const NAMED_SPANS: readonly RegExp[] = [
  /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/giu,
  // Bounded repetition counts: an unbounded local part backtracks from every start of a long
  // `1.1.1…` run (quadratic). 64 characters is the longest local part an address may have.
  /\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/gu,
  /`[^`\n]+`/gu,
  // A final dot or dash ends the sentence, not the name ("#project-x.").
  /(?<![\w@])[@#][\p{L}_](?:[\p{L}\p{N}_]|[.-](?=[\p{L}\p{N}_]))*/gu,
  /\b[\p{Ll}\p{N}]+(?:_[\p{L}\p{N}]+)+\b/gu,
  /\b\p{Ll}+\p{Lu}[\p{L}\p{N}]*\b/gu,
  // File names and kebab-case names (api-gateway, onboarding-notes.docx).
  // Bounded like the email pattern: unbounded, a long `a-a-a-…` run is rescanned from every start.
  /\b[\p{L}\p{N}]{1,64}(?:-[\p{L}\p{N}]{1,64}){0,8}\.(?:docx?|pdf|xlsx?|csv|txt|md|json|ya?ml|png|jpe?g|gif|zip|ts|js|py|go|rs|sql|html|css)\b/giu,
  /\b\p{Ll}[\p{Ll}\p{N}]*(?:-[\p{Ll}\p{N}]+)+\b/gu,
];
// `PR 77`, `pull request #77`, `issue 12`, `#77`: one key, `#77`.
const ISSUE = /\b(?:pr|pull request|issue|ticket|bug|mr|merge request)\s?[-#]?\s?(\d+)\b|#(\d+)\b/giu;
// Times and dates written with digits.
const TIME = /\b(\d{1,2})(?::(\d{2}))?\s?(a\.?m\.?|p\.?m\.?)(?![\p{L}])|\b(\d{1,2}):(\d{2})\b/giu;
const NUMERIC_DATE = /\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}\/\d{1,2}(?:\/\d{2,4})?\b/gu;
// Every currency symbol (Unicode category Sc) is a token of its own.
const WORD = /\p{N}+(?:[.,]\p{N}+)+|[\p{L}\p{N}]+(?:['’][\p{L}]+)?|[\p{Sc}%]|→|->|=>|[.!?;:\n]/gu;
// Digits, with thousands separators, decimals and an exponent ("1e3").
const NUMBER = /^\d[\d,]*(?:\.\d+)?(?:e\d{1,3})?$/u;
// A minus sign before a number, not a dash between two words or numbers ("-100", not "3-5").
const MINUS = /(?<![\p{L}\p{N}.,\-−])[-−](?=\p{N})/gu;
const CURRENCY = /^\p{Sc}$/u;
/** The unit a word names: a listed one, or a currency symbol the list lacks (₹, ₩…) as itself. */
const unitOf = (word: string | undefined): string | undefined =>
  word === undefined ? undefined : (UNITS[word] ?? (CURRENCY.test(word) ? word : undefined));
const ORDINAL = /^(\d+)(?:st|nd|rd|th)$/u;
const NUMBER_WITH_UNIT = /^(\d+(?:\.\d+)?)([\p{L}%]+)$/u;
const SENTENCE_END = /^[.!?;:\n]$/u;

// Every inflection of every action verb, derived once.
const ACTION_FORMS = new Map<string, string>(Object.entries(IRREGULAR_ACTIONS));
for (const [action, verbs] of Object.entries(ACTION_CLASSES)) {
  for (const verb of verbs.split(' ')) {
    const stem = verb.replace(/e$/u, '');
    const last = verb.at(-1)!;
    const forms = [verb, `${verb}s`, `${verb}es`, `${verb}d`, `${verb}ed`, `${stem}ing`, `${verb}ing`];
    if (/[^aeiou][aeiou][bdgmnprt]$/u.test(verb)) forms.push(`${verb}${last}ed`, `${verb}${last}ing`);
    if (/[^aeiou]y$/u.test(verb)) forms.push(`${verb.slice(0, -1)}ies`, `${verb.slice(0, -1)}ied`);
    for (const form of forms)
      if (!ACTION_FORMS.has(form) && !NOT_ACTIONS.has(form)) ACTION_FORMS.set(form, action);
  }
}

/** The action class of a word, if it is a form of an action verb. */
export const actionOf = (word: string): string | undefined => ACTION_FORMS.get(word);
/** The action a word names as a request's verb, the nouns used as verbs included ("email" → send, "report" → flag). */
export const requestedActionOf = (word: string): string | undefined =>
  ACTION_FORMS.get(word) ?? NOUN_VERBS[word];

// "a second", "which one", "one of": words that look like numbers but count nothing.
function notACount(word: string, previous: string | undefined, next: string | undefined): boolean {
  if (word === 'second') return previous === 'a' || previous === 'per' || previous === 'one';
  if (word === 'one')
    return (
      next === 'of' ||
      ['the', 'this', 'that', 'which', 'another', 'a', 'any', 'every', 'no'].includes(previous ?? '')
    );
  if (word === 'once') return next === 'a' || next === 'again';
  return false;
}

function canonicalNumber(text: string): string {
  const value = Number(text.replace(/,/gu, ''));
  return Number.isFinite(value) ? String(value) : text;
}

function time(hours: number, minutes: number, meridiem: string | undefined): string {
  let hour = hours;
  const half = meridiem?.toLowerCase().replace(/\./gu, '');
  if (half === 'pm' && hour < 12) hour += 12;
  if (half === 'am' && hour === 12) hour = 0;
  return `${hour}:${String(minutes).padStart(2, '0')}`;
}

const FIRST_PERSON_SUBJECTS = new Set(['i', 'we']);
const FIRST_PERSON_OBJECTS = new Set(['me', 'us']);
const AUXILIARIES = new Set([
  'did',
  'do',
  'have',
  'had',
  'has',
  'will',
  'would',
  'was',
  'am',
  'just',
  'also',
]);
const PRONOUN_PREPOSITIONS = new Set(['to', 'from', 'by', 'with', 'for']);
/** One key per verb whatever its form ("sent" / "send", "forwarded" / "forward"). */
function verbKey(word: string): string {
  return ACTION_FORMS.get(word) ?? word.replace(/(?:ed|s)$/u, '');
}
/** Words after which a noun-verb ("email", "text") is the request's verb. */
const IMPERATIVE_LEADS = new Set(['please', 'you', 'and', 'then', 'pls', 'just', 'to']);
const NOUN_VERBS: Readonly<Record<string, string>> = lookupTable({
  email: 'send', mail: 'send', text: 'send', message: 'send', dm: 'send', ping: 'send', slack: 'send',
  call: 'call', phone: 'call', ring: 'call', draft: 'draft', comment: 'comment', cc: 'cc',
  // Mostly nouns ("the expense report", "clear skies"), verbs only as the request's first word.
  report: 'flag', set: 'update', clear: 'dismiss',
}); // prettier-ignore
// Words that end the phrase a direction word points at.
const PHRASE_BREAKS = new Set([
  'and',
  'or',
  'but',
  'so',
  'with',
  'for',
  'in',
  'on',
  'at',
  'by',
  'that',
  'which',
]);

/** Up to three content words from `start`, stopping at a direction word, a verb or a sentence end. */
function phraseAfter(lower: readonly string[], start: number): string | undefined {
  const phrase: string[] = [];
  for (let index = start; index < lower.length && phrase.length < 3; index++) {
    const word = lower[index]!;
    if (SENTENCE_END.test(word) || DIRECTIONS[word] || PHRASE_BREAKS.has(word) || ACTION_FORMS.has(word))
      break;
    // "to me" / "from me": the first person is a target like any other.
    if (FIRST_PERSON_OBJECTS.has(word) || word === 'myself') {
      phrase.push('me');
      break;
    }
    // Units are the number check's ("to 68 degrees Fahrenheit" / "to 68 F").
    if (FILLER.has(word) || SCOPE_WORDS[word] || NOT_NAMES.has(word) || unitOf(word) || word === 'degrees')
      continue;
    phrase.push(word);
  }
  return phrase.length > 0 ? phrase.join(' ') : undefined;
}

/**
 * A capital letter naming one of several ("Store A", "Room B", "column C"): a name, never the
 * article "a" (so "from Store A" and "from Store B" point at different places). "A" only where no
 * noun follows it ("in column A", "Store A to Store B"; not "Book A table") or where another letter
 * follows the same word ("row A larger than row B").
 */
function letterName(tokens: readonly string[], index: number, lettered: ReadonlySet<string>): boolean {
  const [token, before, after] = [tokens[index]!, tokens[index - 1] ?? '', tokens[index + 1] ?? ''];
  if (!/^[A-HJ-Z]$/u.test(token) || !/^\p{L}{2,}$/u.test(before)) return false;
  if (token !== 'A') return true;
  const next = after.toLowerCase();
  return (
    lettered.has(before.toLowerCase()) ||
    after === '' ||
    SENTENCE_END.test(after) ||
    FILLER.has(next) ||
    NOT_NAMES.has(next) ||
    DIRECTIONS[next] !== undefined
  );
}

// Words before "if" / "whether" that make it a question ("let me know if", "I wonder whether").
const ASKING = new Set(['me', 'know', 'wonder', 'ask', 'out', 'confirm', 'verify', 'tell', 'sure']);
const SUBJECT_PRONOUNS = new Set(['i', 'you', 'we', 'they', 'he', 'she', 'it', 'there']);
const YES_NO_OPENERS = new Set(
  'is are was were isnt arent did does do has have didnt doesnt hasnt havent'.split(' '),
);

// "mark it done" is closing it, "as urgent" flagging it; "as read", "as spam", "as tentative": each
// its own action. Other states ("mark the deal as won", "as pending") are an update.
const DONE = new Set(['done', 'complete', 'completed', 'finished', 'resolved', 'closed', 'solved', 'fixed']);
const FLAGGED = new Set(['urgent', 'important', 'flagged']);
const MARKED_STATES = new Set([...DONE, ...FLAGGED, 'read', 'unread', 'spam', 'tentative']);
/** The action of marking something with `state`: done is closing, urgent flagging, others their own or an update. */
function markAction(state: string): string {
  if (DONE.has(state)) return 'close';
  if (FLAGGED.has(state)) return 'flag';
  return MARKED_STATES.has(state) ? `mark ${state}` : 'update';
}
/** The action of "mark" by the state it marks with ("mark ENG-3 as done", "mark the thread read"), if it says one. */
function markedAs(lower: readonly string[], at: number): string | undefined {
  for (let index = at + 1; index < lower.length && index <= at + 8; index++) {
    const word = lower[index]!;
    if (SENTENCE_END.test(word)) return undefined;
    // "as done", "as being done", "as fully done".
    const state =
      word === 'as'
        ? lower
            .slice(index + 1, index + 4)
            .find((next) => !FILLER.has(next) && next !== 'being' && !/^\p{L}{3,}ly$/u.test(next))
        : word;
    if (word === 'as' || MARKED_STATES.has(word)) return state === undefined ? undefined : markAction(state);
  }
  return undefined;
}

const DO_SUPPORT = new Set(['do', 'does', 'did']);
/**
 * "Who does Karen report to?" (Karen acts) and "Who reports to Karen?" (Karen is acted on): the
 * word after `who do/does/did` is the subject; every content word of a clause whose verb follows
 * `who` directly is on the object side. Reads up to the sentence's end.
 */
function readWhoQuestion(lower: readonly string[], at: number, markers: MeaningMarkers): void {
  // "Whose time off does Yusuf approve?": Yusuf acts, as in "who does Yusuf…".
  const asked =
    lower[at] === 'whose'
      ? lower.slice(at + 1, at + 5).findIndex((word) => DO_SUPPORT.has(word) || SENTENCE_END.test(word))
      : 0;
  if (asked < 0 || SENTENCE_END.test(lower[at + 1 + asked] ?? '.')) return;
  const next = lower[at + 1 + asked];
  if (next === undefined) return;
  if (DO_SUPPORT.has(next)) {
    const subject = lower.slice(at + asked + 2, at + asked + 5).find((word) => !FILLER.has(word));
    if (subject !== undefined && !SENTENCE_END.test(subject)) markers.whoQuestion.subject.add(subject);
    return;
  }
  if (AUXILIARIES.has(next) || NOT_NAMES.has(next)) return;
  for (let index = at + 2; index < lower.length && !SENTENCE_END.test(lower[index]!); index++) {
    const word = lower[index]!;
    if (!FILLER.has(word) && !NOT_NAMES.has(word) && !DIRECTIONS[word]) markers.whoQuestion.object.add(word);
  }
}

/** Reads the meaning markers of one text. Linear in its length. */
export function meaningMarkers(input: string): MeaningMarkers {
  const markers: MeaningMarkers = {
    numbers: [],
    units: new Set(),
    dates: new Set(),
    entities: new Set(),
    negated: false,
    directions: new Map(),
    actions: new Set(),
    scopes: new Set(),
    words: new Set(),
    sequence: [],
    directionPhrases: new Map(),
    firstPerson: { subject: new Set(), object: new Set() },
    whoQuestion: { subject: new Set(), object: new Set() },
    owners: new Set(),
    byOrTo: new Map(),
    namedNumbers: new Map(),
    asksWhether: false,
    actionInPhrase: new Map(),
  };
  let text = input.normalize('NFKC');
  // Each named span leaves one plain word behind, so "`a` to `b`" still reads as a direction.
  text = text.replace(ISSUE, (_span, number, hashNumber) => {
    markers.entities.add(`#${number ?? hashNumber}`);
    return ` issue${number ?? hashNumber} `;
  });
  for (const pattern of NAMED_SPANS)
    text = text.replace(pattern, (span) => {
      // `@bob` and `#ops` are the names bob and ops (another text may say "Bob" or "the ops channel").
      const key = span.replace(/^[@#`]|`$/gu, '').toLowerCase();
      markers.entities.add(key);
      return ` ${key.replace(/[^\p{L}\p{N}]/gu, '')} `;
    });
  text = text.replace(TIME, (_span, hours, minutes, meridiem, hours24, minutes24) => {
    const value =
      hours24 === undefined
        ? time(Number(hours), Number(minutes ?? 0), meridiem)
        : time(Number(hours24), Number(minutes24), undefined);
    markers.dates.add(value);
    // A word in its place, so order still reads ("from 9am to 10am" / "from 10am to 9am").
    return ` clock${value.replace(':', 'h')} `;
  });
  text = text.replace(NUMERIC_DATE, (span) => {
    markers.dates.add(span);
    return ' . ';
  });
  // "-100": the word `minus` before the number, so the sign is kept.
  text = text.replace(MINUS, ' minus ');

  const tokens = [...text.matchAll(WORD)].map((match) => match[0]);
  // Possessives are the word itself ("this week's" is "this week", "Ines's" is "ines").
  // Words another capital letter than "A" follows ("row" of "row B").
  const lettered = new Set(
    tokens.flatMap((token, index) =>
      /^[B-HJ-Z]$/u.test(token) ? [tokens[index - 1]?.toLowerCase() ?? ''] : [],
    ),
  );
  const lower = tokens.map((token, index) =>
    letterName(tokens, index, lettered)
      ? `letter${token.toLowerCase()}`
      : token
          .toLowerCase()
          .replace(/['’]s$/u, '')
          .replace(/['’]/gu, ''),
  );
  const isNumberAt = (index: number) =>
    index >= 0 && index < lower.length && (NUMBER.test(lower[index]!) || ORDINAL.test(lower[index]!));
  let sentenceStart = true;
  let previousContent: string | undefined;
  // "stop sharing": the phrase's action, not also its second word's.
  let phraseEndsAt = -1;
  // "check if the door is locked", "is the door locked?": what follows asks about a state (a
  // state of its own: locked ≠ unlocked), it does not act (≠ "lock the door").
  let askingWhether = false;
  const byOrTo = (target: string, preposition: string) => {
    let prepositions = markers.byOrTo.get(target);
    if (!prepositions) markers.byOrTo.set(target, (prepositions = new Set()));
    prepositions.add(preposition);
  };
  const direct = (role: string, target: string) => {
    let targets = markers.directions.get(role);
    if (!targets) markers.directions.set(role, (targets = new Set()));
    targets.add(target);
  };
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    const word = lower[index]!;
    if (SENTENCE_END.test(token)) {
      sentenceStart = true;
      askingWhether = false;
      markers.sequence.push('.');
      continue;
    }
    const startsSentence = sentenceStart;
    sentenceStart = false;
    markers.words.add(word);
    markers.sequence.push(word);
    if (/\p{L}['’]s$/u.test(token) && !NOT_NAMES.has(word) && !FILLER.has(word)) markers.owners.add(word);
    if (FIRST_PERSON_SUBJECTS.has(word)) {
      let next = index + 1;
      while (AUXILIARIES.has(lower[next] ?? '')) next++;
      if (lower[next] !== undefined) markers.firstPerson.subject.add(verbKey(lower[next]!));
    }
    if (FIRST_PERSON_OBJECTS.has(word)) {
      if (lower[index - 1] === 'by' || lower[index - 1] === 'to') byOrTo('me', lower[index - 1]!);
      let previous = index - 1;
      while (PRONOUN_PREPOSITIONS.has(lower[previous] ?? '')) previous--;
      if (lower[previous] !== undefined) markers.firstPerson.object.add(verbKey(lower[previous]!));
    }
    if (startsSentence && (word === 'who' || word === 'whom' || word === 'whose'))
      readWhoQuestion(lower, index, markers);
    // "referred by Hooli" / "referred to Hooli": a word after `by` in one text and `to` in the other.
    if (word === 'by' || word === 'to') {
      const target = lower.slice(index + 1, index + 4).find((next) => !FILLER.has(next));
      if (
        target !== undefined &&
        /^\p{L}{2,}$/u.test(target) &&
        !ACTION_FORMS.has(target) &&
        !DIRECTIONS[target]
      )
        byOrTo(target, word);
    }
    const capitalised = /^\p{Lu}/u.test(token);
    const nextToNumber = isNumberAt(index - 1) || isNumberAt(index + 1);

    // Numbers (and what they count), ordinals, number words; versions ("1.8.0") as they are.
    if (/^\d+(?:\.\d+){2,}$/u.test(word)) {
      markers.numbers.push(word);
      previousContent = word;
      continue;
    }
    const withUnit = NUMBER_WITH_UNIT.exec(word);
    if (NUMBER.test(word) || ORDINAL.test(word) || withUnit) {
      const value = withUnit && !ORDINAL.test(word) ? withUnit[1]! : (ORDINAL.exec(word)?.[1] ?? word);
      const month =
        MONTHS[lower[index - 1] ?? ''] ??
        MONTHS[lower[index + 1] ?? ''] ??
        (lower[index + 1] === 'of' ? MONTHS[lower[index + 2] ?? ''] : undefined);
      const signed = `${lower[index - 1] === 'minus' ? '-' : ''}${canonicalNumber(value)}`;
      if (month) markers.dates.add(`${month} ${canonicalNumber(value)}`);
      else {
        markers.numbers.push(signed);
        // "Alice $10", "Bob 200": the number a name is given.
        const named =
          CURRENCY.test(lower[index - 1] ?? '') || lower[index - 1] === 'minus' ? index - 2 : index - 1;
        if (markers.entities.has(lower[named] ?? '') && /^\p{Lu}/u.test(tokens[named] ?? ''))
          markers.namedNumbers.set(lower[named]!, signed);
        const preposition = lower[index - 1] === 'minus' ? lower[index - 2] : lower[index - 1];
        if (preposition === 'by' || preposition === 'to') byOrTo(signed, preposition);
      }
      const unit = withUnit ? unitOf(withUnit[2]!) : (unitOf(lower[index + 1]) ?? unitOf(lower[index - 1]));
      if (unit && !(month && !withUnit)) markers.units.add(unit);
      previousContent = word;
      continue;
    }
    if (NUMBER_WORDS[word] !== undefined && !notACount(word, lower[index - 1], lower[index + 1])) {
      markers.numbers.push(NUMBER_WORDS[word]!);
      const unit = UNITS[lower[index + 1] ?? ''];
      if (unit) markers.units.add(unit);
      continue;
    }
    // "a week", "per day": one of a unit.
    if (UNITS[word] && /^[a-z]{3,}$/u.test(word) && ['a', 'an', 'per'].includes(lower[index - 1] ?? '')) {
      markers.numbers.push('1');
      markers.units.add(UNITS[word]!);
      continue;
    }
    // Dates and times in words.
    const month = MONTHS[word];
    if (month && (!AMBIGUOUS_MONTHS.has(word) || (capitalised && !startsSentence) || nextToNumber)) {
      if (!nextToNumber) markers.dates.add(month);
      continue;
    }
    const weekday = WEEKDAYS[word];
    if (weekday && (!AMBIGUOUS_WEEKDAYS.has(word) || capitalised)) {
      markers.dates.add(weekday);
      continue;
    }
    if (RELATIVE_DATES[word]) {
      markers.dates.add(RELATIVE_DATES[word]!);
      continue;
    }
    if (
      DATE_MODIFIERS.has(word) &&
      (DATE_UNITS.has(lower[index + 1] ?? '') || WEEKDAYS[lower[index + 1] ?? ''])
    ) {
      markers.dates.add(
        `${word === 'coming' ? 'next' : word === 'previous' ? 'last' : word}:${lower[index + 1]}`,
      );
      index++;
      continue;
    }
    if (NEGATIONS.has(word) || /n['’]t$/u.test(token)) markers.negated = true;
    const scope = SCOPE_WORDS[word];
    if (scope) markers.scopes.add(scope);
    const phrase = ACTION_PHRASES[`${word} ${lower[index + 1] ?? ''}`];
    // "Email the notes", "please text Bob": a noun used as the request's verb.
    const imperative =
      (startsSentence || IMPERATIVE_LEADS.has(lower[index - 1] ?? '')) && NOUN_VERBS[word] !== undefined;
    // "set a reminder" is reminding, "set an alarm" setting it (as "set my alarm"), "open a ticket"
    // making one.
    const setsUp =
      (word === 'set' || word === 'open') && (lower[index + 1] === 'a' || lower[index + 1] === 'an')
        ? (actionOf(lower[index + 2]?.replace(/er$/u, '') ?? '') ?? (word === 'set' ? 'update' : 'create'))
        : undefined;
    // "my schedule", "the report", "a clear": after a determiner a word names a thing, not an action.
    const named = DETERMINERS.has(lower[index - 1] ?? '') || index === phraseEndsAt;
    if (phrase) {
      phraseEndsAt = index + 1;
      markers.actionInPhrase.set(word, phrase);
    }
    const marked = word === 'mark' && !named ? markedAs(lower, index) : undefined;
    const namedByPhrase = marked ?? setsUp;
    if (namedByPhrase) markers.actionInPhrase.set(word, namedByPhrase);
    const action = named
      ? undefined
      : (marked ?? setsUp ?? phrase ?? ACTION_FORMS.get(word) ?? (imperative ? NOUN_VERBS[word] : undefined));
    // "we're" is not "were".
    // "Do I have…", "Did CI pass…", "Is the refund…": a subject follows ("Do not send…", "Do a
    // backup" are requests; "do" asks only before a pronoun).
    const subject = lower[index + 1] ?? '';
    const opensQuestion =
      startsSentence &&
      YES_NO_OPENERS.has(word) &&
      !/['’]/u.test(token) &&
      (word === 'do' ? SUBJECT_PRONOUNS.has(subject) : subject !== '' && !NEGATIONS.has(subject));
    // After "check if", "tell me whether", "see that", and in a yes/no question, an action is asked
    // about, not asked for.
    const asks = ASKING.has(lower[index - 1] ?? '') || actionOf(lower[index - 1] ?? '') === 'read';
    if (((word === 'if' || word === 'whether' || word === 'that') && asks) || opensQuestion)
      askingWhether = true;
    if (opensQuestion) markers.asksWhether = true;
    if (action) markers.actions.add(askingWhether && action !== 'read' ? `state ${action}` : action);
    const role = DIRECTIONS[word];
    if (role) {
      const target = lower.slice(index + 1, index + 4).find((next) => !FILLER.has(next));
      if (target !== undefined && !SENTENCE_END.test(target) && !ACTION_FORMS.has(target))
        direct(role, target);
      // "Oslo to Rome": the word before `to` is the origin (checked for swaps only).
      if (role === 'to' && previousContent !== undefined && !ACTION_FORMS.has(previousContent))
        direct('origin', previousContent);
      const targetPhrase = phraseAfter(lower, index + 1);
      if (targetPhrase) {
        let phrases = markers.directionPhrases.get(role);
        if (!phrases) markers.directionPhrases.set(role, (phrases = new Set()));
        phrases.add(targetPhrase);
      }
      previousContent = undefined;
      continue;
    }
    // "200 USD": a unit, not a name.
    // "Fahrenheit", "Euros": a unit whatever its case. "I'm", "I'd": the first person.
    const unitWord = UNITS[word] !== undefined && (nextToNumber || word.length > 3);
    const firstPersonContraction = /^I['’]/u.test(token);
    if (
      capitalised &&
      !startsSentence &&
      !NOT_NAMES.has(word) &&
      !action &&
      !scope &&
      !unitWord &&
      !firstPersonContraction
    )
      markers.entities.add(word);
    if (!FILLER.has(word) && !NOT_NAMES.has(word)) previousContent = word;
    else if (word !== 'the' && word !== 'a' && word !== 'an') previousContent = undefined;
  }
  markers.numbers.sort();
  return markers;
}
