/**
 * How a key name marks its value:
 * - `secret`: the whole value (string, number or container) is a secret;
 * - `token`: every string inside is a secret, numbers and booleans are kept, because the same names
 *   count model tokens (`inputTokens: 12`, `total_tokens=512`, `fencingToken: 7`);
 * - `code`: an OAuth authorization code when the value is one opaque word (`code=4/0AX4…`), kept
 *   when it reads as an error code, a status number or source text (`code: 'ECONNREFUSED'`).
 */
export type SecretKeyKind = 'secret' | 'token' | 'code';

/**
 * Names whose values are secrets, matched against the end of the key after splitting it into
 * lower-case words (`secretAccessKey`, `aws_secret_access_key`, `X-Amz-Security-Token`,
 * `OPENAI_API_KEY`) and joining them. Long names match any ending (`dbpassword`); the short ones in
 * `defaultSecretWords` must be whole words, so `kansas` is not `sas`.
 */
export const defaultSecretKeys: readonly string[] = [
  // generic
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'passwordhash',
  'passwordconfirmation',
  'secret',
  'secrets',
  'secretkey',
  'secretstring',
  'secretvalue',
  'apikey',
  'apikeys',
  'apisecret',
  'accesskey',
  'privatekey',
  'privatekeyid',
  'privatekeypem',
  'privkey',
  'mnemonic',
  'seedphrase',
  'signingkey',
  'encryptionkey',
  'masterkey',
  'sharedkey',
  'authorization',
  'proxyauthorization',
  'cookie',
  'cookies',
  'setcookie',
  'credential',
  'credentials',
  'sessionid',
  'sessionkey',
  'signature',
  'connectionstring',
  'connstring',
  'authcode',
  'authorizationcode',
  'oauthcode',
  'devicecode',
  'webhooksecret',
  // Datadog (`DD-APPLICATION-KEY`) and other application keys
  'applicationkey',
  'appkey',
  // Azure
  'subscriptionkey',
  'functionskey',
  'functionkey',
  'accountkey',
  'sharedaccesskey',
  'sharedaccesssignature',
];

/** Short names that only match as the last word(s) of a key. */
export const defaultSecretWords: readonly string[] = [
  'pwd',
  'pass',
  'auth',
  'jwt',
  'dsn',
  'sas',
  'sig',
  'otp',
  'totp',
  'pin',
  'bearer',
];

/** Names whose strings are secrets while their numbers are kept (token counts). */
export const defaultTokenKeys: readonly string[] = ['token', 'tokens', 'session', 'sessions'];

/** A last word that names the field holding a secret, not a new kind: `api_key_value`, `tokenVal`. */
const VALUE_WORDS: ReadonlySet<string> = new Set(['value', 'val']);

/** Exact key names (after normalising) holding an OAuth code or a look-alike. */
const CODE_KEYS: ReadonlySet<string> = new Set(['code']);

/** Splits `X-Amz-Security-Token`, `secretAccessKey`, `OPENAI_API_KEY` into lower-case words. */
export function splitKeyWords(key: string): string[] {
  return key
    .slice(0, 200)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** `secretAccessKey` → `secretaccesskey`: the form user-supplied names are compared in. */
export function normalizeKey(key: string): string {
  return splitKeyWords(key).join('');
}

export interface SecretKeyRulesOptions {
  /** Extra names, matched like `defaultSecretKeys` (any ending). */
  extraSecretKeys?: readonly string[];
  /** Drop the built-in names. */
  replaceDefaults?: boolean;
}

/** Decides, from a key name alone, whether its value is a secret. */
export class SecretKeyRules {
  private readonly suffixes: ReadonlyMap<string, SecretKeyKind>;
  private readonly words: ReadonlySet<string>;
  private readonly codes: ReadonlySet<string>;

  constructor(options: SecretKeyRulesOptions = {}) {
    const suffixes = new Map<string, SecretKeyKind>();
    if (!options.replaceDefaults) {
      for (const name of defaultTokenKeys) suffixes.set(name, 'token');
      for (const name of defaultSecretKeys) suffixes.set(name, 'secret');
    }
    for (const name of options.extraSecretKeys ?? []) {
      const normalized = normalizeKey(name);
      if (normalized) suffixes.set(normalized, 'secret');
    }
    this.suffixes = suffixes;
    this.words = new Set(options.replaceDefaults ? [] : defaultSecretWords);
    this.codes = options.replaceDefaults ? new Set() : CODE_KEYS;
  }

  /** Key names repeat (headers, JSON fields): remember recent answers. */
  private readonly cache = new Map<string, SecretKeyKind | null>();

  /** The kind of secret a value under `key` is, or undefined for an ordinary key. */
  classify(key: string): SecretKeyKind | undefined {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const kind = this.classifyUncached(key);
    if (this.cache.size >= 4096) this.cache.clear();
    this.cache.set(key, kind ?? null);
    return kind;
  }

  private classifyUncached(key: string): SecretKeyKind | undefined {
    const words = splitKeyWords(key);
    if (words.length > 1 && VALUE_WORDS.has(words.at(-1)!)) words.pop();
    if (words.length === 0) return undefined;
    const joined = words.join('');
    if (this.codes.has(joined)) return 'code';
    let best: SecretKeyKind | undefined;
    // Longest ending first would be equivalent; any `secret` match wins over `token`.
    for (const [name, kind] of this.suffixes) {
      if (joined.endsWith(name)) {
        if (kind === 'secret') return 'secret';
        best = kind;
      }
    }
    if (best) return best;
    let tail = '';
    for (let index = words.length - 1; index >= 0 && index >= words.length - 2; index--) {
      tail = words[index] + tail;
      if (this.words.has(tail)) return 'secret';
    }
    return undefined;
  }
}

const ERROR_CODE_SHAPE =
  /^(?:[A-Z][A-Z0-9]*(?:[_.:-][A-Z0-9]+)*|[a-z][a-z0-9]*(?:[_.:-][a-z0-9]+)*|(?:[A-Z][a-z0-9]+)+)$/;

/**
 * True when a value under a `code` key reads as an OAuth code rather than an error code: one word
 * without spaces, at least 8 characters, and not a single-case identifier (`ECONNREFUSED`,
 * `tool_not_found`, `NotFound`) unless a long part of it mixes letters and digits (GitHub's
 * 20-hex codes).
 */
export function isOpaqueCode(value: string): boolean {
  if (value.length < 8 || value.length > 4096 || /\s/.test(value)) return false;
  if (!ERROR_CODE_SHAPE.test(value)) return true;
  return value.split(/[_.:-]/).some((part) => part.length >= 12 && /\d/.test(part) && /[a-z]/i.test(part));
}

/**
 * A value under a `token` key that is not a credential: a number (token counts), a literal
 * (`null`, `true`), or one short word, lower-case or capitalised at the start of a sentence
 * (`token: expired`, `an MCP session: Streamable HTTP error`).
 */
export function isPlainTokenValue(value: string): boolean {
  return /^(?:-?\d+(?:\.\d+)?|[A-Za-z][a-z]{0,11})$/.test(value);
}
