import {
  isOpaqueCode,
  isPlainTokenValue,
  type SecretKeyKind,
  type SecretKeyRules,
} from './secret-key-rules.js';

/**
 * A name, optionally quoted (`"x"`, `'x'`, `\"x\"`), then `:` / `=` (or `,` inside a `["name", value]`
 * tuple). Covers header lines, `KEY=value` env lines, query strings and form bodies, YAML, ini,
 * `;`-separated connection strings and JSON or Python-dict text. The name may start after `-`
 * (`--password=x`) but not inside a word.
 */
const NAME = /(?<![A-Za-z0-9_.])(\\?["']?)([A-Za-z_][A-Za-z0-9_.-]{0,79})\1[ \t]*([:=,])[ \t]*/g;

/** Characters of an unquoted value. */
const VALUE_CHARACTER = /[^\s"'`,;&<>(){}[\]\\|]/;
/** Header names whose value runs to the end of the line (`Cookie: a=1; b=2`, `Authorization: Digest …`). */
const LINE_VALUED = /(?:authorization|cookie|signature)$/;
/** A first word that is an auth scheme: the credential is the next word. */
const AUTH_SCHEME =
  /^(?:bearer|basic|token|digest|bot|ssws|apikey|api-key|key|oauth|negotiate|hmac|aws4-hmac-sha256)$/i;
const MAX_CONTAINER = 64 * 1024;
/** `password: string` in a type annotation is not a password. */
const TYPE_NAMES: ReadonlySet<string> = new Set(['string', 'String', 'str', 'number', 'SecretStr']);

interface ValueSpan {
  start: number;
  end: number;
  /** The span is a `[...]` / `{...}` container, replaced whole. */
  container: boolean;
}

function closingQuote(text: string, from: number, quote: string): number {
  if (quote.length === 2) return text.indexOf(quote, from);
  for (let index = from; index < text.length; index++) {
    const character = text[index];
    if (character === '\\') index++;
    else if (character === quote) return index;
    else if (character === '\n') return -1;
  }
  return -1;
}

/** Index after the `]` / `}` closing the container at `from`, skipping quoted text; -1 if none. */
function closingBracket(text: string, from: number): number {
  let depth = 0;
  const limit = Math.min(text.length, from + MAX_CONTAINER);
  for (let index = from; index < limit; index++) {
    const character = text[index];
    if (character === '"' || character === "'") {
      const close = closingQuote(text, index + 1, character);
      if (close === -1) return -1;
      index = close;
    } else if (character === '[' || character === '{') depth++;
    else if (character === ']' || character === '}') {
      depth--;
      if (depth === 0) return index + 1;
    }
  }
  return -1;
}

function runEnd(text: string, from: number): number {
  let index = from;
  while (index < text.length && VALUE_CHARACTER.test(text[index]!)) index++;
  return index;
}

/** End of the line: a newline, or an escaped `\n` / `\r` when the text is JSON-encoded. */
function lineEnd(text: string, from: number): number {
  let index = from;
  while (index < text.length) {
    const character = text[index]!;
    if (character === '\n' || character === '\r') break;
    if (character === '\\' && (text[index + 1] === 'n' || text[index + 1] === 'r')) break;
    index++;
  }
  while (index > from && (text[index - 1] === ' ' || text[index - 1] === '\t')) index--;
  return index;
}

function readValue(text: string, from: number, lineValued: boolean): ValueSpan | undefined {
  const first = text[from];
  if (first === undefined) return undefined;
  if (first === '\\' && (text[from + 1] === '"' || text[from + 1] === "'")) {
    const quote = text.slice(from, from + 2);
    const close = closingQuote(text, from + 2, quote);
    return { start: from + 2, end: close === -1 ? lineEnd(text, from + 2) : close, container: false };
  }
  if (first === '"' || first === "'") {
    const close = closingQuote(text, from + 1, first);
    return { start: from + 1, end: close === -1 ? lineEnd(text, from + 1) : close, container: false };
  }
  if (first === '[' || first === '{') {
    const close = closingBracket(text, from);
    return close === -1 ? undefined : { start: from, end: close, container: true };
  }
  if (lineValued) return { start: from, end: lineEnd(text, from), container: false };
  let end = runEnd(text, from);
  if (end === from) return undefined;
  if (AUTH_SCHEME.test(text.slice(from, end))) {
    let next = end;
    while (text[next] === ' ' || text[next] === '\t') next++;
    const credentialEnd = runEnd(text, next);
    if (credentialEnd > next) end = credentialEnd;
  }
  return { start: from, end, container: false };
}

/** A container under a `token` key is kept when it holds no string values (`{"input":5,"output":3}`). */
function holdsStrings(container: string): boolean {
  return /["'][ \t]*[,\]}]/.test(container);
}

function shouldRedact(kind: SecretKeyKind, value: string, container: boolean, marker: string): boolean {
  // No letter or digit (`***`, `)`): nothing to hide.
  if (!/[A-Za-z0-9]/.test(value) || value === marker || value === `"${marker}"`) return false;
  if (/^(?:null|true|false|undefined|none|nil)$/i.test(value)) return false;
  if (container) return kind !== 'code' && (kind === 'secret' || holdsStrings(value));
  if (kind === 'secret') return !TYPE_NAMES.has(value);
  if (kind === 'token') return !isPlainTokenValue(value);
  return isOpaqueCode(value);
}

/** True when the `["name", value]` tuple starts right before `index` (only `[` and spaces between). */
function opensTuple(text: string, index: number): boolean {
  let before = index - 1;
  while (before >= 0 && (text[before] === ' ' || text[before] === '\t')) before--;
  return text[before] === '[';
}

/**
 * Replaces the values of secret-named pairs written as text: `Authorization: Bearer x`,
 * `x-api-key: x`, `OPENAI_API_KEY=x`, `?sig=…&code=…`, `{"access_token":"…"}`, `AccountKey=…;`,
 * `["x-api-key", "x"]`. Quotes and separators stay; only the value becomes the marker.
 */
export function redactKeyValuePairs(text: string, rules: SecretKeyRules, marker: string): string {
  if (!/[:=,]/.test(text)) return text;
  let result = '';
  let copied = 0;
  NAME.lastIndex = 0;
  for (let match = NAME.exec(text); match; match = NAME.exec(text)) {
    const [whole, quote, name, separator] = match as unknown as [string, string, string, string];
    const valueStart = match.index + whole.length;
    if (separator === ',' && (quote === '' || !opensTuple(text, match.index))) continue;
    if (separator === '=' && text[valueStart] === '=') continue; // `==` comparison
    if (text.startsWith('://', match.index - 3)) continue; // URL userinfo: masked by its own scanner
    const queryKey = name === 'key' && (text[match.index - 1] === '?' || text[match.index - 1] === '&');
    const kind = queryKey ? 'secret' : rules.classify(name);
    if (!kind) continue;
    const lineValued = separator === ':' && quote === '' && LINE_VALUED.test(name.toLowerCase());
    const span = readValue(text, valueStart, lineValued);
    if (!span) continue;
    const value = text.slice(span.start, span.end);
    if (!span.container && text[span.end] === '(') continue; // `password = readPassword()` is code
    if (!shouldRedact(kind, value, span.container, marker)) continue; // scan on inside the value
    const replacement = span.container && quote ? `"${marker}"` : marker;
    result += text.slice(copied, span.start) + replacement;
    copied = span.end;
    NAME.lastIndex = Math.max(span.end, valueStart);
  }
  return copied === 0 ? text : result + text.slice(copied);
}
