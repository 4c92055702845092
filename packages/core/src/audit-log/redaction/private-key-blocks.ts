const BEGIN = /-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY( BLOCK)?-----/g;
/** What a PEM body may hold when no END line follows (a truncated key): base64, `\n` escapes, headers. */
const BODY_CHARACTER = /[A-Za-z0-9+/=\s\\:,-]/;
/** A key longer than this without an END line is cut here; real keys are a few kilobytes. */
const MAX_BLOCK = 64 * 1024;

/**
 * Replaces PEM / OpenSSH / PGP private key blocks, from the BEGIN line to the END line (or, when the
 * text was cut before it, to the end of the base64 body). Also matches keys whose newlines are
 * escaped (`\n` inside JSON text).
 */
export function redactPrivateKeyBlocks(text: string, marker: string): string {
  if (!text.includes('PRIVATE KEY')) return text;
  let result = '';
  let copied = 0;
  BEGIN.lastIndex = 0;
  for (let match = BEGIN.exec(text); match; match = BEGIN.exec(text)) {
    const bodyStart = match.index + match[0].length;
    const endMarker = text.indexOf('-----END ', bodyStart);
    let end: number;
    if (endMarker !== -1 && endMarker - bodyStart <= MAX_BLOCK) {
      const close = text.indexOf('-----', endMarker + 9);
      end = close === -1 ? text.length : close + 5;
    } else {
      end = bodyStart;
      const limit = Math.min(text.length, bodyStart + MAX_BLOCK);
      while (end < limit && BODY_CHARACTER.test(text[end]!)) end++;
    }
    result += text.slice(copied, match.index) + marker;
    copied = end;
    BEGIN.lastIndex = end;
  }
  return copied === 0 ? text : result + text.slice(copied);
}
