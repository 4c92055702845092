// What a terminal may act on instead of print: C0 controls (ESC starts CSI/OSC sequences that
// clear the screen, set the title or draw hyperlinks; BEL, CR and BS rewrite what is shown), DEL,
// C1 controls (U+009B is a one-character CSI on many terminals), the Unicode line and paragraph
// separators, and bidirectional overrides that reorder what the operator reads.
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

// Everything JSON.stringify leaves raw inside strings, of the set above.
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

// For the writer: the CLI's own colour codes (the SGR codes of `createStyle`, output.ts), kept,
// or one control character other than `\n`, escaped.
const OWN_SGR_OR_CONTROL =
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point
  /\u001B\[(?:0|1|2|3[1-6])m|[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

// `\x1b` for C0 and DEL, `\u009b` above: the forms a JavaScript or JSON reader knows.
function visibleEscape(character: string): string {
  const code = character.charCodeAt(0);
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : unicodeEscape(character);
}

/**
 * Stored or user-supplied text made safe to print: every control character (C0 including
 * newline and tab, DEL, C1, line separators, bidi overrides) becomes a visible escape such as
 * `\x1b` or `\u009b`. Apply it to data before styling it.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, visibleEscape);
}

/**
 * The last guard before the terminal, applied to everything the CLI writes: escapes any
 * control character except `\n` and the CLI's own colour codes, so a place that forgot
 * `escapeControl` still cannot clear the screen or set the title. With `leadingReturn`, a `\r`
 * at the very start is kept (the progress line of `audit export` rewrites itself with it).
 */
export function terminalSafe(text: string, options: { leadingReturn?: boolean } = {}): string {
  return text.replace(OWN_SGR_OR_CONTROL, (match, offset: number) =>
    match.length > 1 || (match === '\r' && offset === 0 && options.leadingReturn)
      ? match
      : visibleEscape(match),
  );
}

/**
 * `JSON.stringify`, safe to print and to embed: JSON.stringify already escapes C0 and lone
 * surrogates; this also escapes DEL, C1, U+2028/U+2029 and bidi controls (`\u009b`), which it
 * leaves raw. Same value once parsed.
 */
export function jsonText(value: unknown, indent?: number): string {
  return safeJson(JSON.stringify(value, null, indent));
}

/** Text that `JSON.stringify` wrote, with the characters it leaves raw escaped (see `jsonText`). */
export function safeJson(json: string): string {
  return json.replace(JSON_RAW, unicodeEscape);
}

function unicodeEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
