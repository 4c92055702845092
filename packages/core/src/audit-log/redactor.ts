import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { parseOptions } from '../validation.js';

/** Marker that replaces a secret. */
export const REDACTED = '[REDACTED]';
/** Marker that replaces a value dropped by policy (not a secret, just not kept). */
export const DROPPED = '[DROPPED]';

/**
 * Key names whose values are always secrets, compared after lower-casing and removing `-`, `_`,
 * `.` and spaces. A key matches when it equals one of these or ends with one of them
 * (`githubToken`, `db_password`, `X-Api-Key`), so `tokenUsage` and `inputTokens` are kept.
 */
export const defaultSecretKeys: readonly string[] = [
  'authorization',
  'proxyauthorization',
  'auth',
  'apikey',
  'apisecret',
  'token',
  'secret',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'cookie',
  'setcookie',
  'privatekey',
  'credential',
  'credentials',
  'sessionid',
  'signature',
];

/**
 * Patterns of secrets found inside any string (a header pasted into an error message, a URL with
 * credentials). The match is replaced; URL userinfo and `key=value` pairs keep their frame.
 */
export const defaultSecretPatterns: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  // Credentials contain a digit or symbol: "Bearer of bad news" and "Basic information" are kept.
  /\bBearer\s+(?=[A-Za-z0-9\-._~+/]*[0-9\-._~+/])[A-Za-z0-9\-._~+/]{8,}=*/gi,
  /\bBasic\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}/gi,
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI, Anthropic (sk-ant-…), sk-proj-…
  /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, // GitHub
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key id
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google API key
  /\bya29\.[0-9A-Za-z_-]{20,}/g, // Google OAuth access token
  /(?<![\w/])1\/\/[0-9A-Za-z_-]{20,}/g, // Google OAuth refresh token
  /\barc_[A-Za-z0-9_-]{16,}/g, // Arcade API key
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, // JWT
  /(?<=\b[a-z][a-z0-9+.-]*:\/\/)[^\s:/@]+:[^\s/@]+(?=@)/gi, // URL userinfo
  /(?<=\b(?:access_token|refresh_token|id_token|api_key|apikey|client_secret|password|token|secret|key)=)[^&\s"']+/gi,
];

export const redactorOptionsSchema = z.object({
  /** Extra secret key names (same matching as `defaultSecretKeys`). @default [] */
  secretKeys: z.array(z.string().min(1)).default([]),
  /** Extra secret patterns, applied to every string. Use the `g` flag. @default [] */
  secretPatterns: z.array(z.instanceof(RegExp)).default([]),
  /** Replace the built-in key and pattern lists instead of extending them. @default false */
  replaceDefaults: z.boolean().default(false),
  /**
   * What happens to the values of tool-call `arguments` (secrets are removed in every mode):
   * `keep` stores them, `hash` stores a salted SHA-256 of each value, `drop` stores `[DROPPED]`.
   * @default 'keep'
   */
  argumentValues: z.enum(['keep', 'hash', 'drop']).default('keep'),
  /** Key names (anywhere in the data) whose values are hashed. @default [] */
  hashKeys: z.array(z.string().min(1)).default([]),
  /** Key names (anywhere in the data) removed entirely. @default [] */
  dropKeys: z.array(z.string().min(1)).default([]),
  /** Salt for hashed values (HMAC-SHA-256 when set), so short values cannot be guessed. @default '' */
  hashSalt: z.string().default(''),
  /** Deeper values are replaced by `[TRUNCATED]`. @default 32 */
  maxDepth: z.number().int().min(1).max(256).default(32),
});
export type RedactorOptions = z.input<typeof redactorOptionsSchema>;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

type Mode = 'keep' | 'hash' | 'drop';

/**
 * Removes secrets from any value before it is stored: values under secret-looking keys become
 * `[REDACTED]`, secret-looking substrings of every string are replaced, chosen keys are hashed or
 * dropped. The output is plain JSON (no functions, cycles, bigints or class instances), and the
 * input is never modified.
 */
export class Redactor {
  private readonly secretKeys: readonly string[];
  private readonly patterns: readonly RegExp[];
  private readonly hashKeys: ReadonlySet<string>;
  private readonly dropKeys: ReadonlySet<string>;
  private readonly options: z.output<typeof redactorOptionsSchema>;

  constructor(options: RedactorOptions = {}) {
    this.options = parseOptions(redactorOptionsSchema, options, { what: 'Redactor' });
    const base = this.options.replaceDefaults ? [] : defaultSecretKeys;
    this.secretKeys = [...base, ...this.options.secretKeys.map(normalizeKey)];
    this.patterns = [
      ...(this.options.replaceDefaults ? [] : defaultSecretPatterns),
      ...this.options.secretPatterns,
    ];
    this.hashKeys = new Set(this.options.hashKeys.map(normalizeKey));
    this.dropKeys = new Set(this.options.dropKeys.map(normalizeKey));
  }

  /** True when values under `key` are treated as secrets. */
  isSecretKey(key: string): boolean {
    const normalized = normalizeKey(key);
    return this.secretKeys.some((secret) => normalized === secret || normalized.endsWith(secret));
  }

  /** Replaces every secret-looking substring of `text`. */
  redactString(text: string): string {
    let result = text;
    for (const pattern of this.patterns) {
      pattern.lastIndex = 0;
      result = result.replace(pattern, REDACTED);
    }
    return result;
  }

  /** A stable, salted digest of a value: `sha256:<hex>`. */
  hashValue(value: unknown): string {
    const text = typeof value === 'string' ? value : JSON.stringify(this.redact(value));
    const digest = this.options.hashSalt
      ? createHmac('sha256', this.options.hashSalt).update(text).digest('hex')
      : createHash('sha256').update(text).digest('hex');
    return `sha256:${digest}`;
  }

  /** A redacted, JSON-safe deep copy of `value`. */
  redact(value: unknown): unknown {
    return this.walk(value, 'keep', 0, new WeakSet());
  }

  /** A redacted copy of an event's data; tool-call `arguments` follow `argumentValues`. */
  redactData(data: Record<string, unknown>): Record<string, unknown> {
    const result = this.walk(data, 'keep', 0, new WeakSet()) as Record<string, unknown>;
    const argumentsValue = data['arguments'];
    if (this.options.argumentValues !== 'keep' && argumentsValue && typeof argumentsValue === 'object') {
      result['arguments'] = this.walk(argumentsValue, this.options.argumentValues, 0, new WeakSet());
    }
    return result;
  }

  private walk(value: unknown, mode: Mode, depth: number, seen: WeakSet<object>): unknown {
    if (value === null || typeof value === 'boolean' || typeof value === 'number') {
      const json = typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
      return mode === 'keep' ? json : this.leaf(String(json), mode);
    }
    if (typeof value === 'string') return this.leaf(this.redactString(value), mode);
    if (typeof value === 'bigint') return this.leaf(value.toString(), mode);
    if (typeof value !== 'object') return undefined; // functions, symbols, undefined
    if (depth >= this.options.maxDepth) return '[TRUNCATED]';
    if (seen.has(value)) return '[CIRCULAR]';
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        return value.map((item) => this.walk(item, mode, depth + 1, seen) ?? null);
      }
      if (value instanceof Date) return this.leaf(value.toISOString(), mode);
      if (ArrayBuffer.isView(value)) return `[BINARY ${value.byteLength} bytes]`;
      if (value instanceof Error) {
        return this.walk({ name: value.name, message: value.message }, mode, depth, seen);
      }
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        return this.walk(toJSON.call(value), mode, depth + 1, seen);
      }
      const source = value instanceof Map ? Object.fromEntries(value) : (value as Record<string, unknown>);
      const result: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(source)) {
        const normalized = normalizeKey(key);
        if (this.dropKeys.has(normalized)) continue;
        if (this.isSecretKey(key)) {
          if (child !== undefined && child !== null) result[key] = REDACTED;
          continue;
        }
        const childMode: Mode = this.hashKeys.has(normalized) ? 'hash' : mode;
        const redacted = this.walk(child, childMode, depth + 1, seen);
        if (redacted !== undefined) result[key] = redacted;
      }
      return result;
    } finally {
      seen.delete(value);
    }
  }

  private leaf(text: string, mode: Mode): string {
    if (mode === 'drop') return DROPPED;
    if (mode === 'hash') return this.hashValue(text);
    return text;
  }
}
