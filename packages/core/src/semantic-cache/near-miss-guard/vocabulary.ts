/**
 * The English word lists the default near-miss guard reads. English-first: in other languages the
 * guard still compares numbers, times in digits, URLs, emails, handles, channels, issue numbers,
 * code and capitalised names, but not negations, dates in words, actions or quantifiers.
 */

/** Words that negate or exclude: one side having one and the other none flips the meaning. */
export const NEGATIONS = new Set(
  (
    'not no never none nothing nobody nowhere neither nor without except excluding exclude unless cannot ' +
    'missing lack lacked lacking lacks ' +
    'cant dont doesnt didnt isnt arent wasnt werent wont shouldnt wouldnt couldnt havent hasnt hadnt mustnt'
  ).split(' '),
);

/**
 * A word table without a prototype: a text's words are looked up in these, and "constructor" or
 * "__proto__" must find nothing (on a plain object they find Object's own members).
 */
export function lookupTable(entries: Record<string, string>): Readonly<Record<string, string>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, string>, entries));
}

export const MONTHS: Readonly<Record<string, string>> = lookupTable({
  january: 'jan', february: 'feb', march: 'mar', april: 'apr', may: 'may', june: 'jun', july: 'jul',
  august: 'aug', september: 'sep', october: 'oct', november: 'nov', december: 'dec',
  jan: 'jan', feb: 'feb', mar: 'mar', apr: 'apr', jun: 'jun', jul: 'jul', aug: 'aug', sep: 'sep',
  sept: 'sep', oct: 'oct', nov: 'nov', dec: 'dec',
}); // prettier-ignore
/** Months that are also common words: dates only when capitalised mid-sentence or next to a number. */
export const AMBIGUOUS_MONTHS = new Set(['may', 'march', 'mar', 'jan', 'jun', 'dec', 'sep', 'oct', 'nov']);

export const WEEKDAYS: Readonly<Record<string, string>> = lookupTable({
  monday: 'mon', tuesday: 'tue', wednesday: 'wed', thursday: 'thu', friday: 'fri', saturday: 'sat',
  sunday: 'sun', mondays: 'mon', tuesdays: 'tue', wednesdays: 'wed', thursdays: 'thu', fridays: 'fri',
  saturdays: 'sat', sundays: 'sun', mon: 'mon', tue: 'tue', tues: 'tue', wed: 'wed', thu: 'thu',
  thur: 'thu', thurs: 'thu', fri: 'fri', sat: 'sat', sun: 'sun',
}); // prettier-ignore
/** Weekday abbreviations that are also words: dates only when capitalised. */
export const AMBIGUOUS_WEEKDAYS = new Set(['mon', 'wed', 'sat', 'sun']);

/** Words that name a day or a part of one, relative to now. */
export const RELATIVE_DATES: Readonly<Record<string, string>> = lookupTable({
  today: 'today', tonight: 'tonight', tomorrow: 'tomorrow', tmrw: 'tomorrow', tmr: 'tomorrow',
  yesterday: 'yesterday', morning: 'morning', afternoon: 'afternoon', evening: 'evening', noon: '12:00',
  midnight: '00:00', weekend: 'weekend', weekday: 'weekday', weekdays: 'weekday', now: 'now',
}); // prettier-ignore
/** `next week`, `last month`…: the pair is the date. */
export const DATE_MODIFIERS = new Set(['next', 'last', 'this', 'previous', 'coming']);
export const DATE_UNITS = new Set([
  'week',
  'month',
  'year',
  'quarter',
  'weekend',
  'sprint',
  'hour',
  'day',
  'minute',
]);

export const NUMBER_WORDS: Readonly<Record<string, string>> = lookupTable({
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8',
  nine: '9', ten: '10', eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15',
  sixteen: '16', seventeen: '17', eighteen: '18', nineteen: '19', twenty: '20', thirty: '30',
  forty: '40', fifty: '50', sixty: '60', seventy: '70', eighty: '80', ninety: '90', hundred: '100',
  thousand: '1000', million: '1000000', billion: '1000000000', dozen: '12', half: '0.5',
  first: '1', second: '2', third: '3', fourth: '4', fifth: '5', sixth: '6', seventh: '7',
  eighth: '8', ninth: '9', tenth: '10', twice: '2', once: '1', double: '2', triple: '3',
}); // prettier-ignore

/** Units after (or currency signs before) a number, by their canonical name. */
export const UNITS: Readonly<Record<string, string>> = lookupTable({
  '%': '%', percent: '%', pct: '%', $: 'usd', usd: 'usd', dollar: 'usd', dollars: 'usd', '€': 'eur',
  eur: 'eur', euro: 'eur', euros: 'eur', '£': 'gbp', gbp: 'gbp', pound: 'gbp', pounds: 'gbp',
  '¥': 'jpy', yen: 'jpy', km: 'km', kilometer: 'km', kilometers: 'km', kilometre: 'km',
  kilometres: 'km', mi: 'mi', mile: 'mi', miles: 'mi', m: 'm', meter: 'm', meters: 'm', metre: 'm',
  metres: 'm', cm: 'cm', mm: 'mm', ft: 'ft', foot: 'ft', feet: 'ft', kg: 'kg', kilo: 'kg', kilos: 'kg',
  kilogram: 'kg', kilograms: 'kg', g: 'g', gram: 'g', grams: 'g', lb: 'lb', lbs: 'lb', ms: 'ms',
  s: 's', sec: 's', secs: 's', seconds: 's', min: 'min', mins: 'min', minute: 'min', minutes: 'min',
  h: 'h', hr: 'h', hrs: 'h', hour: 'h', hours: 'h', day: 'd', days: 'd', week: 'w', weeks: 'w',
  month: 'mo', months: 'mo', year: 'y', years: 'y', yr: 'y', yrs: 'y', kb: 'kb', mb: 'mb', gb: 'gb',
  tb: 'tb', c: 'c', celsius: 'c', f: 'f', fahrenheit: 'f', k: 'k', x: 'x', times: 'x',
}); // prettier-ignore

/**
 * Action verbs by class: rewordings within a class are the same action ("delete" = "remove"); two
 * classes are two requests ("merge" vs "revert"). Inflections are derived.
 */
export const ACTION_CLASSES: Readonly<Record<string, string>> = lookupTable({
  approve: 'approve accept greenlight',
  reject: 'reject decline deny refuse',
  close: 'close resolve solve shut',
  open: 'open',
  reopen: 'reopen',
  delete: 'delete remove erase purge destroy wipe trash discard',
  archive: 'archive',
  restore: 'restore recover undelete unarchive',
  send: 'send submit',
  forward: 'forward',
  reply: 'reply respond',
  merge: 'merge',
  revert: 'revert undo rollback',
  cancel: 'cancel abort',
  create: 'create add generate provision',
  update: 'update edit change modify adjust rename',
  move: 'move transfer relocate',
  copy: 'copy duplicate clone',
  book: 'book reserve',
  schedule: 'schedule reschedule',
  buy: 'buy purchase',
  sell: 'sell',
  enable: 'enable activate',
  disable: 'disable deactivate',
  start: 'start begin launch',
  stop: 'stop halt',
  pause: 'pause suspend',
  resume: 'resume unpause',
  lock: 'lock',
  unlock: 'unlock',
  mute: 'mute silence',
  unmute: 'unmute',
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  follow: 'follow',
  unfollow: 'unfollow',
  block: 'block ban',
  unblock: 'unblock unban',
  pin: 'pin',
  unpin: 'unpin',
  star: 'star',
  unstar: 'unstar',
  assign: 'assign',
  unassign: 'unassign',
  upload: 'upload',
  download: 'download',
  install: 'install',
  uninstall: 'uninstall',
  import: 'import',
  export: 'export',
  encrypt: 'encrypt',
  decrypt: 'decrypt',
  increase: 'increase raise boost extend',
  upgrade: 'upgrade',
  downgrade: 'downgrade',
  decrease: 'decrease reduce lower shorten dim',
  fork: 'fork',
  print: 'print',
  join: 'join',
  leave: 'leave',
  hide: 'hide',
  publish: 'publish',
  unpublish: 'unpublish',
  invite: 'invite',
  share: 'share grant',
  revoke: 'revoke',
  read: 'show list display view see find fetch read locate check review inspect search browse preview look describe',
  // Verbs of mail, chat, CI, CRM and payment tools, each its own request. Not here: verbs whose
  // meaning is their complement ("mark as read" / "mark as urgent"), or that reword others
  // ("grant access" = "share", "bounce it over" = "forward").
  snooze: 'snooze',
  dismiss: 'dismiss',
  flag: 'flag',
  save: 'save bookmark',
  run: 'run rerun execute trigger retry',
  deploy: 'deploy',
  restart: 'restart reboot',
  convert: 'convert',
  qualify: 'qualify',
  disqualify: 'disqualify',
  propose: 'propose suggest',
  remind: 'remind',
  pay: 'pay',
  refund: 'refund',
  promote: 'promote',
  demote: 'demote',
  attach: 'attach',
  detach: 'detach',
  connect: 'connect',
  disconnect: 'disconnect',
  link: 'link',
  unlink: 'unlink',
  translate: 'translate',
  summarize: 'summarize summarise',
  tag: 'tag label',
  watch: 'watch',
  unwatch: 'unwatch',
  escalate: 'escalate',
  backport: 'backport',
  rebase: 'rebase',
  squash: 'squash',
  cordon: 'cordon',
  drain: 'drain',
  fulfill: 'fulfill fulfil',
  reorder: 'reorder',
});
/** Two-word actions ("turn on"), by class. */
export const ACTION_PHRASES: Readonly<Record<string, string>> = lookupTable({
  'turn on': 'enable', 'switch on': 'enable', 'turn off': 'disable', 'switch off': 'disable',
  'roll back': 'revert', 'call off': 'cancel', 'set up': 'create', 'opt out': 'unsubscribe',
  'sign up': 'subscribe', 'look up': 'read', 'get rid': 'delete', 'reply all': 'reply-all',
  'stop sharing': 'revoke', 'write off': 'writeoff', 'bump up': 'increase', 'spin up': 'create',
  'carbon copy': 'cc',
}); // prettier-ignore
/** Derived forms that are mostly nouns ("the booking", "a listing"): not read as actions. */
export const NOT_ACTIONS = new Set([
  'booking',
  'listing',
  'opening',
  'showing',
  'finding',
  'findings',
  'reading',
  'ending',
  'starting',
  'lowering',
  'forwarding',
  'leaves',
  'order',
]);
/** Past forms the derivation cannot produce. */
export const IRREGULAR_ACTIONS: Readonly<Record<string, string>> = lookupTable({
  sent: 'send', sold: 'sell', bought: 'buy', made: 'create', found: 'read', saw: 'read', seen: 'read',
  began: 'start', begun: 'start', undid: 'revert', undone: 'revert', shown: 'read', shut: 'close',
}); // prettier-ignore

/** Quantifiers and owners by class: "every message" is not "my messages". */
export const SCOPE_WORDS: Readonly<Record<string, string>> = lookupTable({
  all: 'all', every: 'all', each: 'all', everything: 'all', everyone: 'all', everybody: 'all',
  entire: 'all', whole: 'all', my: 'mine', mine: 'mine', myself: 'mine', our: 'ours', ours: 'ours',
  their: 'theirs', theirs: 'theirs', his: 'theirs', her: 'theirs', any: 'any', anything: 'any',
  anyone: 'any', anybody: 'any', some: 'some', something: 'someone', someone: 'someone', several: 'some',
  only: 'only', solely: 'only', this: 'this', these: 'this', few: 'some', both: 'both',
  either: 'either', nothing: 'none', none: 'none', nobody: 'none', latest: 'one', newest: 'one', oldest: 'one', last: 'one', single: 'one',
}); // prettier-ignore

/** Opposites: one text saying one and the other the other points the request the other way. */
export const OPPOSITES: readonly (readonly [string, string])[] = [
  ['up', 'down'], ['on', 'off'], ['highest', 'lowest'], ['largest', 'smallest'], ['biggest', 'smallest'],
  ['newest', 'oldest'], ['earliest', 'latest'], ['ascending', 'descending'], ['more', 'less'],
  ['most', 'least'], ['max', 'min'], ['maximum', 'minimum'], ['top', 'bottom'], ['above', 'below'],
  ['before', 'after'], ['incoming', 'outgoing'], ['inbound', 'outbound'], ['sent', 'received'],
  ['pass', 'fail'], ['passed', 'failed'], ['passing', 'failing'], ['passes', 'fails'], ['success', 'failure'],
  ['successful', 'failed'], ['succeeded', 'failed'], ['public', 'private'], ['internal', 'external'],
  ['online', 'offline'], ['true', 'false'], ['allow', 'deny'], ['allowed', 'denied'], ['allowed', 'blocked'],
  ['visible', 'hidden'], ['present', 'absent'], ['include', 'exclude'], ['included', 'excluded'],
  ['including', 'excluding'], ['input', 'output'], ['debit', 'credit'], ['income', 'expenses'],
  ['profit', 'loss'], ['won', 'lost'], ['win', 'lose'], ['push', 'pull'], ['early', 'late'],
  ['earlier', 'later'], ['older', 'newer'], ['cheapest', 'priciest'], ['cheap', 'expensive'],
  ['over', 'under'], ['higher', 'lower'], ['greater', 'smaller'], ['longer', 'shorter'],
  ['inbox', 'outbox'], ['forward', 'backward'], ['asc', 'desc'], ['left', 'right'], ['north', 'south'],
  ['east', 'west'], ['into', 'outof'], ['in', 'outof'], ['open', 'closed'], ['opened', 'closed'], ['start', 'end'], ['first', 'last'],
]; // prettier-ignore
/** Prefixes that negate the word they precede ("unsigned", "non-escalated", "disqualify", "de-escalate"). */
export const NEGATING_PREFIXES = ['un', 'non', 'dis', 'de', 'in', 'im'] as const;

/** Direction words by role; `to`'s left neighbour is the origin. */
export const DIRECTIONS: Readonly<Record<string, string>> = lookupTable({
  from: 'from', since: 'from', to: 'to', into: 'to', onto: 'to', towards: 'to', toward: 'to',
  until: 'to', till: 'to', before: 'before', after: 'after', above: 'above', below: 'below',
  against: 'against', versus: 'against', vs: 'against', '→': 'to', '->': 'to', '=>': 'to',
}); // prettier-ignore

/** Words skipped when finding what a direction word points at. */
export const FILLER = new Set(
  (
    'a an the my your our their his her its this that these those some any me us you him them it i we ' +
    'they of in on at for by with about please just really very many much'
  ).split(' '),
);

/** Capitalised words that are not names (sentence-like text in Title Case, greetings, pronouns). */
export const NOT_NAMES = new Set(
  (
    'i a an the is are was were be do does did can could would should will shall may might must have has ' +
    'had what how why who whom whose where which when please hi hello hey thanks thank ok okay yes no not ' +
    'and or but if then so than to from of in on at for by with about into my your our their his her its ' +
    'this that these those it me you we they he she us them also just'
  ).split(' '),
);

/**
 * Spellings of one thing (abbreviations, shorthand): when each text of a pair uses another one,
 * both are read as the longest. Compared whole-word, case-insensitive.
 */
export const EQUIVALENT_PHRASES: readonly (readonly string[])[] = [
  ['please', 'pls', 'plz'], ['message', 'msg'], ['messages', 'msgs'], ['meeting', 'mtg'],
  ['meetings', 'mtgs'], ['tomorrow', 'tmrw', 'tmr'], ['with', 'w/'], ['without', 'w/o'],
  ['direct message', 'dm'], ['direct messages', 'dms'], ['pull request', 'pr'], ['pull requests', 'prs'],
  ['database', 'db'], ['documents', 'docs'], ['document', 'doc'], ['opportunities', 'opps'],
  ['opportunity', 'opp'], ['information', 'info'], ['user experience', 'ux'], ['user interface', 'ui'],
  ['excel spreadsheet', 'spreadsheet', 'xlsx', 'xls'], ['forward', 'fwd'], ['account', 'acct'],
  ['appointment', 'appt'], ['calendar', 'cal'], ['manager', 'mgr'], ['as soon as possible', 'asap'],
  ['end of day', 'eod'], ['you', 'u'], ['your', 'ur'], ['thanks', 'thx', 'ty'],
  ['washington dc', 'dc'], ['repository', 'repo'], ['repositories', 'repos'],
  ['configuration', 'config'], ['environment', 'env'], ['application', 'app'], ['number', 'num'],
  ['department', 'dept'], ['approximately', 'approx'], ['reference', 'ref'], ['organization', 'org'],
  ['administrator', 'admin'], ['production', 'prod'], ['development', 'dev'], ['subscription', 'sub'],
  ['representative', 'rep'], ['quarter', 'qtr'], ['estimate', 'est'], ['attachment', 'attachmt'],
  ['monday', 'mon'], ['tuesday', 'tue', 'tues'], ['wednesday', 'wed'], ['thursday', 'thu', 'thurs'],
  ['friday', 'fri'], ['saturday', 'sat'], ['sunday', 'sun'], ['until', 'till', 'til'],
  ['tickets', 'tix'], ['permissions', 'perms'], ['dependencies', 'deps'], ['image', 'img'],
  ['images', 'imgs'], ['directory', 'dir'], ['password', 'pwd'], ['hours', 'hrs'], ['minutes', 'mins'],
  ['out of office', 'ooo'], ['new york city', 'nyc'], ['los angeles', 'la'], ['san francisco', 'sf'],
  ['vice president', 'vp'], ['engineering', 'eng'], ['kubernetes', 'k8s'],
  ['tablespoons', 'tablespoon', 'tbsp'], ['teaspoons', 'teaspoon', 'tsp'], ['air conditioning', 'ac'],
  ['street', 'st'], ['avenue', 'ave'], ['road', 'rd'], ['right now', 'rn'], ['favorites', 'favourites', 'faves', 'favs'],
  ['follow up', 'follow-up', 'f/u'], ['round trip', 'round-trip'], ['schedule', 'sched'],
  ['marketing', 'mktg'], ['invoice', 'inv'], ['heart rate', 'hr'], ['beats per minute', 'bpm'],
  ['one-on-one', 'one on one', '1:1'], ['statement of work', 'sow'],
  ['quarterly', 'qtrly'], ['regarding', 're'], ['knowledge base', 'kb'], ['for your information', 'fyi'],
  ['single sign-on', 'single sign on', 'sso'], ['to-do', 'todo', 'to do'], ['to-dos', 'todos'],
  ['as soon as possible', 'asap'], ['by the way', 'btw'],
  ['versus', 'vs'], ['because', 'cuz'], ['people', 'ppl'], ['something', 'smth', 'sth'],
  ['tonight', 'tonite'], ['though', 'tho'], ['okay', 'ok'], ['afternoon', 'arvo'],
  ['receipt', 'rcpt'],
  ['customer', 'cust'], ['customers', 'custs'], ['government', 'govt'], ['international', 'intl'],
  ['notifications', 'notifs'], ['specification', 'spec'],
  ['specifications', 'specs'], ['statistics', 'stats'], ['technology', 'tech'], ['weekend', 'wknd'],
]; // prettier-ignore

/** Small words an acronym may skip ("statement of work" = SOW, "Europe, Middle East and Africa" = EMEA). */
export const SKIPPABLE_IN_ACRONYMS = new Set(['of', 'and', 'the', 'for', 'on', 'in', 'to', 'a', '&']);

/**
 * Words after which a word names a thing ("my schedule", "the report"), not an action. Only
 * determiners that never stand alone: "is this approved", "have her approve it", "all approved"
 * keep their verb.
 */
export const DETERMINERS: ReadonlySet<string> = new Set('the a an my your our their its every'.split(' '));

/**
 * Words that take a verb's agreement "s" ("when does it board" / "when it boards", "if it will
 * drop" / "if it drops"): near them, a word with and without "s" may be one verb.
 */
export const AUXILIARIES_OF_AGREEMENT: ReadonlySet<string> = new Set(
  'do does did will would can could should shall may might must'.split(' '),
);

/** Nouns also used uncounted: "check my email" is "check my emails". */
export const MASS_NOUNS: ReadonlySet<string> = new Set(['email', 'mail']);

/** Words the guard reads a meaning into: never "corrected" into one another as typos. */
export const KNOWN_WORDS: ReadonlySet<string> = new Set([
  ...Object.keys(MONTHS),
  ...Object.keys(WEEKDAYS),
  ...Object.keys(RELATIVE_DATES),
  ...Object.keys(NUMBER_WORDS),
  ...Object.keys(SCOPE_WORDS),
  ...NEGATIONS,
  ...OPPOSITES.flat(),
  ...Object.keys(DIRECTIONS),
]);

/** Content words that name the same thing: swapping one for the other is a rewording. */
export const SYNONYMS: readonly (readonly string[])[] = [
  ['file', 'document', 'doc'], ['files', 'documents', 'docs'], ['email', 'mail', 'message'],
  ['emails', 'mails', 'messages'], ['meeting', 'call', 'sync'], ['meetings', 'calls'], ['task', 'todo'],
  ['tasks', 'todos'], ['make', 'create'], ['boss', 'manager'], ['ticket', 'issue', 'case'], ['tickets', 'issues', 'cases'], ['customer', 'client'],
  ['customers', 'clients'], ['bill', 'invoice'], ['bills', 'invoices'], ['recent', 'latest', 'newest'],
  ['big', 'large', 'huge'], ['small', 'little'], ['quick', 'fast'], ['buy', 'purchase'],
  ['photo', 'picture', 'image'], ['photos', 'pictures', 'images'], ['car', 'vehicle'], ['trip', 'journey'],
  ['broken', 'failing', 'failed'], ['error', 'failure'], ['errors', 'failures'], ['summary', 'overview'],
  ['chat', 'conversation'], ['team', 'group'], ['folder', 'directory'], ['hotel', 'accommodation'],
  ['finished', 'done', 'complete', 'completed'], ['conference', 'meeting'], ['boss', 'manager'],
  ['begin', 'start'], ['end', 'finish'], ['help', 'support'], ['price', 'cost'], ['prices', 'costs'],
  ['cheap', 'inexpensive', 'affordable'], ['cheapest', 'least expensive'], ['big', 'large'],
  ['bigger', 'larger'], ['biggest', 'largest'], ['small', 'tiny'], ['smallest', 'tiniest'],
  ['fix', 'correct', 'repair'], ['pick', 'choose', 'select'], ['quit', 'exit'], ['quit', 'stop'],
  ['leave', 'depart'], ['leaves', 'departs'], ['close', 'near', 'nearby'], ['kill', 'terminate'],
  ['resolved', 'solved', 'fixed'], ['song', 'track'], ['songs', 'tracks'],
  ['lead', 'prospect'], ['leads', 'prospects'], ['boss', 'head', 'manager'], ['warmer', 'hotter'],
  ['colder', 'cooler'], ['get', 'fetch', 'retrieve', 'grab'], ['show', 'display'], ['tell', 'inform', 'notify'],
  ['need', 'require'], ['want', 'would like'], ['about', 'regarding', 're'], ['mistake', 'error'],
  ['mistakes', 'errors'], ['typo', 'misspelling'], ['typos', 'misspellings'], ['begin', 'commence'],
  ['shop', 'store'], ['movie', 'film'], ['movies', 'films'], ['present', 'gift'],
  ['salary', 'pay'], ['spend', 'pay'], ['spent', 'paid'],
  ['staff', 'employees'], ['employee', 'staffer'], ['coworker', 'colleague'], ['coworkers', 'colleagues'],
  ['ask', 'request'], ['answer', 'reply', 'response'], ['talk', 'speak'], ['fast', 'quickly'],
  ['quick', 'brief'], ['whole', 'entire'], ['next', 'upcoming'],
  ['happen', 'occur'],
  ['reservation', 'booking'], ['reservations', 'bookings'], ['sofa', 'couch'],
  ['ill', 'sick'], ['unwell', 'sick'], ['sure', 'certain'], ['taxi', 'cab'], ['mobile', 'cell'],
  ['switch', 'turn'],
]; // prettier-ignore
