// `scheme://userinfo@` anywhere in a text. The userinfo runs to the last `@` before the host's
// path, so a password holding `@` (`redis://:p@ss@host`, as URL parsers read it) is covered whole.
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi;

/** Shorter secrets are masked inside URLs only: replacing every `ab` of a message would garble it. */
const MIN_LITERAL_SECRET = 4;

function maskUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  // No colon: some clients read a lone userinfo as the password.
  return colon < 0 ? '***' : `${userinfo.slice(0, colon)}:***`;
}

function decodedOrSelf(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The passwords in a `--url` value (one URL, or comma-separated cluster seeds), read leniently,
 * so even a URL too malformed to parse (`redis://:pa/ss@host`) gives its secret up for masking:
 * as written, percent-decoded and percent-encoded.
 */
export function urlSecrets(urls: string): string[] {
  const secrets = new Set<string>();
  // Whole and split: a single URL's password may itself hold a comma.
  for (const url of new Set([urls, ...urls.split(',')])) {
    const afterScheme = url.indexOf('://');
    const at = url.lastIndexOf('@');
    if (afterScheme < 0 || at < afterScheme) continue;
    const userinfo = url.slice(afterScheme + 3, at);
    const colon = userinfo.indexOf(':');
    const secret = colon < 0 ? userinfo : userinfo.slice(colon + 1);
    for (const form of [secret, decodedOrSelf(secret), encodeURIComponent(decodedOrSelf(secret))])
      if (form.length >= MIN_LITERAL_SECRET) secrets.add(form);
  }
  return [...secrets];
}

/**
 * `text` with the password of every URL in it replaced by `***` (`redis://user:***@host`,
 * `redis://:***@host`), and every occurrence of the given `secrets` too. For every message the
 * CLI prints about a connection: error texts of clients and resolvers may echo the URL.
 */
export function maskCredentials(text: string, secrets: readonly string[] = []): string {
  let masked = text;
  // Longest first: a secret that contains another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    masked = masked.split(secret).join('***');
  return masked.replace(
    URL_USERINFO,
    (_, scheme: string, userinfo: string) => `${scheme}${maskUserinfo(userinfo)}@`,
  );
}

/** A URL as it may be shown: its password masked. */
export function displayUrl(url: string): string {
  return maskCredentials(url, urlSecrets(url));
}
