import { isOpaqueCode, isPlainTokenValue, type SecretKeyRules } from './secret-key-rules.js';

/**
 * A parameter inside a percent-encoded URL (a `redirect=`/`next=` value): `%3F` or `%26` (`?`, `&`),
 * a name, `%3D` (`=`), then the value up to the next encoded `&` or `#`. The plain-text scanner
 * cannot see it: the name sits right after `%3F`, inside a word.
 */
const ENCODED_PAIR =
  /%(?:3F|26|23)([A-Za-z_][A-Za-z0-9_.-]{0,79})%3D((?:[A-Za-z0-9._~+!*'()-]|%(?!26|23)[0-9A-F]{2})+)/gi;

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Replaces the values of secret-named parameters of URLs nested, percent-encoded, in a URL. */
export function redactUrlEncodedPairs(text: string, rules: SecretKeyRules, marker: string): string {
  if (!/%3D/i.test(text)) return text;
  ENCODED_PAIR.lastIndex = 0;
  return text.replace(ENCODED_PAIR, (match, name: string, value: string) => {
    const kind = rules.classify(name);
    if (!kind) return match;
    const plain = decoded(value);
    if (kind === 'token' && isPlainTokenValue(plain)) return match;
    if (kind === 'code' && !isOpaqueCode(plain)) return match;
    return match.slice(0, match.length - value.length) + marker;
  });
}
