/**
 * `scheme://user:password@` or `scheme://:password@` (the password may hold an unescaped `@`:
 * the last `@` before the path ends the userinfo). Any scheme: redis, rediss, postgres(ql), mysql,
 * mongodb(+srv), amqp(s), https, jdbc:… .
 */
const USERINFO =
  /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/)([^\s/?#@:'"<>\\]*)(:[^\s/?#'"<>\\]*)?@/g;

/** A user part with no password is a credential itself when it is long and has a digit (`https://<token>@host`). */
function isOpaqueUser(user: string): boolean {
  return user.length >= 16 && /[0-9]/.test(user);
}

/** Masks the password of URL userinfo, keeping scheme, user and host: `redis://:[REDACTED]@host`. */
export function redactUrlCredentials(text: string, marker: string): string {
  if (!text.includes('://')) return text;
  USERINFO.lastIndex = 0;
  return text.replace(USERINFO, (match, scheme: string, user: string, password: string | undefined) => {
    if (password !== undefined) {
      return password.length > 1 && password !== `:${marker}` ? `${scheme}${user}:${marker}@` : match;
    }
    return isOpaqueUser(user) ? `${scheme}${marker}@` : match;
  });
}
