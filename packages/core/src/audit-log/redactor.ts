import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { parseOptions } from '../validation.js';
import { redactCommandLinePasswords } from './redaction/command-line-passwords.js';
import { redactKeyValuePairs } from './redaction/key-value-scanner.js';
import { DROPPED, REDACTED } from './redaction/markers.js';
import { redactPrivateKeyBlocks } from './redaction/private-key-blocks.js';
import {
  isOpaqueCode,
  isPlainTokenValue,
  normalizeKey,
  SecretKeyRules,
  type SecretKeyKind,
} from './redaction/secret-key-rules.js';
import { defaultSecretPatterns, redactSchemeCredentials } from './redaction/secret-value-patterns.js';
import { UnreadableValue } from './redaction/unreadable-value.js';
import { redactUrlCredentials } from './redaction/url-credentials.js';
import { redactUrlEncodedPairs } from './redaction/url-encoded-pairs.js';
import { redactXmlSecretElements } from './redaction/xml-secret-elements.js';

export { DROPPED, REDACTED } from './redaction/markers.js';
export {
  defaultSecretKeys,
  defaultSecretWords,
  defaultTokenKeys,
  type SecretKeyKind,
} from './redaction/secret-key-rules.js';
export { defaultSecretPatterns } from './redaction/secret-value-patterns.js';

export const redactorOptionsSchema = z.object({
  /** Extra secret key names (matched like `defaultSecretKeys`: any ending of the key). @default [] */
  secretKeys: z.array(z.string().min(1)).default([]),
  /** Extra secret patterns, applied to every string. Use the `g` flag. @default [] */
  secretPatterns: z.array(z.instanceof(RegExp)).default([]),
  /** Replace the built-in key names, patterns and scanners instead of extending them. @default false */
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

type Mode = 'keep' | 'hash' | 'drop';

/** Strings longer than this are not parsed as JSON (they are still scanned as text). */
const MAX_JSON_TEXT = 1024 * 1024;
/** Longer arrays become `[TRUNCATED]` (a sparse array's holes are walked one by one). */
const MAX_ARRAY_ITEMS = 100_000;
/** A name in a `[name, value]` pair or a `{ name, value }` entry: one word, header-like. */
const PAIR_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,79}$/;
/** Entries of each per-redactor memo (key names, short strings); a full memo starts over. */
const MEMO_SIZE = 4096;
/** Strings up to this length are remembered when the scan finds nothing in them. */
const MEMO_TEXT_LENGTH = 256;

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // `__proto__` from parsed JSON must stay a plain key, not replace the prototype.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every string of a plain JSON tree (already redacted, so its depth is bounded) becomes the marker. */
function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return REDACTED;
  if (Array.isArray(value)) return value.map(redactStrings);
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) setOwn(result, key, redactStrings(child));
  return result;
}

function looksLikeJsonText(text: string): boolean {
  if (text.length < 2 || text.length > MAX_JSON_TEXT) return false;
  const first = text.trimStart()[0];
  const last = text.trimEnd().at(-1);
  return (first === '{' && last === '}') || (first === '[' && last === ']');
}

/** Objects such as `Headers` or `URLSearchParams`: iterable entries, nothing enumerable. */
function isEntriesObject(value: object): value is { entries(): Iterable<[string, unknown]> } {
  const candidate = value as { entries?: unknown; get?: unknown };
  return typeof candidate.entries === 'function' && typeof candidate.get === 'function';
}

/**
 * Removes secrets from any value before it is stored: values under secret-looking keys become
 * `[REDACTED]`, secret-looking substrings of every string are replaced, chosen keys are hashed or
 * dropped. The output is plain JSON (no functions, cycles, bigints or class instances), and the
 * input is never modified.
 */
export class Redactor {
  private readonly rules: SecretKeyRules;
  private readonly patterns: readonly RegExp[];
  private readonly scanners: boolean;
  private readonly hashKeys: ReadonlySet<string>;
  private readonly dropKeys: ReadonlySet<string>;
  private readonly options: z.output<typeof redactorOptionsSchema>;
  /** normalizeKey of object keys seen: the same few names come back on every event. */
  private readonly normalizedKeys = new Map<string, string>();
  /** Short texts the scan left unchanged: tool names, ids and outcomes repeat across events. */
  private readonly cleanTexts = new Set<string>();

  constructor(options: RedactorOptions = {}) {
    this.options = parseOptions(redactorOptionsSchema, options, { what: 'Redactor' });
    this.rules = new SecretKeyRules({
      extraSecretKeys: this.options.secretKeys,
      replaceDefaults: this.options.replaceDefaults,
    });
    this.scanners = !this.options.replaceDefaults;
    this.patterns = [
      ...(this.options.replaceDefaults ? [] : defaultSecretPatterns),
      ...this.options.secretPatterns,
    ];
    this.hashKeys = new Set(this.options.hashKeys.map(normalizeKey));
    this.dropKeys = new Set(this.options.dropKeys.map(normalizeKey));
  }

  /** True when values under `key` may be secrets (always, or their strings, or an opaque `code`). */
  isSecretKey(key: string): boolean {
    return this.rules.classify(key) !== undefined;
  }

  /**
   * Replaces every secret-looking part of `text`. A string that is a JSON object or array is
   * parsed and redacted as data (and re-serialised, compactly, only when something was removed).
   */
  redactString(text: string): string {
    return this.scanString(text, 0);
  }

  /** A stable, salted digest of a value: `sha256:<hex>`. */
  hashValue(value: unknown): string {
    const text = typeof value === 'string' ? value : JSON.stringify(this.redact(value));
    const digest = this.options.hashSalt
      ? createHmac('sha256', this.options.hashSalt).update(text).digest('hex')
      : createHash('sha256').update(text).digest('hex');
    return `sha256:${digest}`;
  }

  /**
   * A redacted, JSON-safe deep copy of `value`. Throws `InvalidInputError` (with the path and the
   * original as `cause`) when reading `value` throws: a getter, a Proxy trap, a `toJSON`.
   */
  redact(value: unknown): unknown {
    try {
      return this.walk(value, 'keep', 0, new WeakSet());
    } catch (error) {
      throw error instanceof UnreadableValue ? error.toError('value to redact') : error;
    }
  }

  /** A redacted copy of an event's data; tool-call `arguments` follow `argumentValues`. */
  redactData(data: Record<string, unknown>): Record<string, unknown> {
    try {
      const result = this.walk(data, 'keep', 0, new WeakSet()) as Record<string, unknown>;
      const argumentsValue = data['arguments'];
      if (this.options.argumentValues !== 'keep' && argumentsValue && typeof argumentsValue === 'object') {
        result['arguments'] = this.walk(argumentsValue, this.options.argumentValues, 0, new WeakSet());
      }
      return result;
    } catch (error) {
      throw error instanceof UnreadableValue ? error.toError('audit event', ['data']) : error;
    }
  }

  private scanString(text: string, depth: number): string {
    if (this.scanners && depth < this.options.maxDepth && looksLikeJsonText(text)) {
      const redacted = this.redactJsonText(text, depth);
      if (redacted !== undefined) return redacted;
    }
    // Past the JSON check the result depends on the text alone. Short texts the scan leaves
    // unchanged are remembered (so the memo never holds a secret: only what is stored verbatim).
    if (text.length > MEMO_TEXT_LENGTH) return this.scanText(text);
    if (this.cleanTexts.has(text)) return text;
    const result = this.scanText(text);
    if (result === text) {
      if (this.cleanTexts.size >= MEMO_SIZE) this.cleanTexts.clear();
      this.cleanTexts.add(text);
    }
    return result;
  }

  /** The scanners and patterns over plain text. */
  private scanText(text: string): string {
    let result = text;
    if (this.scanners) {
      result = redactPrivateKeyBlocks(result, REDACTED);
      result = redactKeyValuePairs(result, this.rules, REDACTED);
      result = redactUrlEncodedPairs(result, this.rules, REDACTED);
      result = redactXmlSecretElements(result, this.rules, REDACTED);
      result = redactCommandLinePasswords(result, REDACTED);
      result = redactUrlCredentials(result, REDACTED);
      result = redactSchemeCredentials(result, REDACTED);
    }
    for (const pattern of this.patterns) {
      pattern.lastIndex = 0;
      result = result.replace(pattern, REDACTED);
    }
    return result;
  }

  /** JSON text redacted as data; the original text when nothing changed; undefined when not JSON. */
  private redactJsonText(text: string, depth: number): string | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    const redacted = JSON.stringify(this.walk(parsed, 'keep', depth + 1, new WeakSet()));
    return redacted === JSON.stringify(parsed) ? text : redacted;
  }

  private walk(value: unknown, mode: Mode, depth: number, seen: WeakSet<object>): unknown {
    if (value === null || typeof value === 'boolean' || typeof value === 'number') {
      const json = typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
      return mode === 'keep' ? json : this.leaf(String(json), mode);
    }
    if (typeof value === 'string') return this.leaf(this.scanString(value, depth), mode);
    if (typeof value === 'bigint') return this.leaf(value.toString(), mode);
    if (typeof value !== 'object') return undefined; // functions, symbols, undefined
    if (depth >= this.options.maxDepth) return '[TRUNCATED]';
    if (seen.has(value)) return '[CIRCULAR]';
    seen.add(value);
    try {
      if (Array.isArray(value)) return this.walkArray(value, mode, depth, seen);
      // An invalid Date is `null`, as JSON.stringify stores it.
      if (value instanceof Date)
        return Number.isNaN(value.getTime()) ? null : this.leaf(value.toISOString(), mode);
      if (ArrayBuffer.isView(value)) return `[BINARY ${value.byteLength} bytes]`;
      if (value instanceof Error) {
        return this.walk({ name: value.name, message: value.message }, mode, depth, seen);
      }
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        return this.walk(toJSON.call(value), mode, depth + 1, seen);
      }
      const source = isEntriesObject(value)
        ? Object.fromEntries(value.entries())
        : (value as Record<string, unknown>);
      return this.walkObject(source, mode, depth, seen);
    } catch (error) {
      throw UnreadableValue.at(error);
    } finally {
      seen.delete(value);
    }
  }

  private walkObject(
    source: Record<string, unknown>,
    mode: Mode,
    depth: number,
    seen: WeakSet<object>,
  ): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    // `{ name: 'API_KEY', value: '…' }` (container env lists, SSM parameters): the name rules the value.
    const entryKind = this.namedEntryKind(source);
    for (const key of Object.keys(source)) {
      let child: unknown;
      try {
        child = source[key]; // a getter may throw: name it in the error
      } catch (error) {
        throw UnreadableValue.at(error, key);
      }
      const normalized = this.normalizedKey(key);
      if (this.dropKeys.has(normalized)) continue;
      const kind = entryKind && normalized === 'value' ? entryKind : this.rules.classify(key);
      const childMode: Mode = this.hashKeys.has(normalized) ? 'hash' : mode;
      let redacted: unknown;
      try {
        redacted = this.walkUnder(kind, child, childMode, depth + 1, seen);
      } catch (error) {
        throw UnreadableValue.at(error, key);
      }
      if (redacted !== undefined) setOwn(result, key, redacted);
    }
    return result;
  }

  private normalizedKey(key: string): string {
    let normalized = this.normalizedKeys.get(key);
    if (normalized === undefined) {
      normalized = normalizeKey(key);
      if (this.normalizedKeys.size >= MEMO_SIZE) this.normalizedKeys.clear();
      this.normalizedKeys.set(key, normalized);
    }
    return normalized;
  }

  private walkArray(items: unknown[], mode: Mode, depth: number, seen: WeakSet<object>): unknown[] | string {
    if (items.length > MAX_ARRAY_ITEMS) return '[TRUNCATED]';
    const kinds = this.pairKinds(items);
    // Index by index, not `map`: a sparse array's holes become `null` like JSON's, not holes.
    const result: unknown[] = [];
    for (let index = 0; index < items.length; index++) {
      try {
        result.push(this.walkUnder(kinds?.[index], items[index], mode, depth + 1, seen) ?? null);
      } catch (error) {
        throw UnreadableValue.at(error, index);
      }
    }
    return result;
  }

  /** A value under a key of `kind` (or an ordinary one). */
  private walkUnder(
    kind: SecretKeyKind | undefined,
    value: unknown,
    mode: Mode,
    depth: number,
    seen: WeakSet<object>,
  ): unknown {
    if (value === undefined || value === null || typeof value === 'boolean') {
      return this.walk(value, mode, depth, seen); // no secret in a boolean or a null
    }
    if (kind === 'secret') return REDACTED;
    if (kind === 'token') return this.walkTokenValue(value, mode, depth, seen);
    if (kind === 'code' && typeof value === 'string' && isOpaqueCode(value)) return REDACTED;
    return this.walk(value, mode, depth, seen);
  }

  /** Under a `token` key every string is a secret; numbers (token counts) are kept. */
  private walkTokenValue(value: unknown, mode: Mode, depth: number, seen: WeakSet<object>): unknown {
    if (typeof value === 'number') return this.walk(value, mode, depth, seen);
    if (typeof value !== 'object') return REDACTED;
    return redactStrings(this.walk(value, mode, depth, seen));
  }

  /** `{ name: 'DB_PASSWORD', value: … }` or `{ Key: 'x-api-key', Value: … }`: the kind of `value`. */
  private namedEntryKind(source: Record<string, unknown>): SecretKeyKind | undefined {
    if (!('value' in source || 'Value' in source)) return undefined;
    const name = source['name'] ?? source['Name'] ?? source['key'] ?? source['Key'];
    return typeof name === 'string' && PAIR_NAME.test(name) ? this.rules.classify(name) : undefined;
  }

  /**
   * Header pairs as arrays: `["x-api-key", S]`, or a flat `[name, value, name, value]` list whose
   * values are not all single words. Returns each item's kind, or undefined when not pairs.
   */
  private pairKinds(items: unknown[]): (SecretKeyKind | undefined)[] | undefined {
    if (items.length < 2 || items.length % 2 !== 0 || items.length > 200) return undefined;
    // Indexed reads (not filter/map, which skip a sparse array's holes): every name must be there.
    let allWords = true;
    for (let index = 0; index < items.length; index += 2) {
      const name = items[index];
      if (typeof name !== 'string' || !PAIR_NAME.test(name)) return undefined;
      const value = items[index + 1];
      if (typeof value !== 'string' || !PAIR_NAME.test(value)) allWords = false;
    }
    if (items.length > 2 && allWords) return undefined; // a list of words, not pairs
    const kinds: (SecretKeyKind | undefined)[] = [];
    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      const kind = index % 2 === 0 ? undefined : this.rules.classify(items[index - 1] as string);
      // `['token', 'read']` is more likely a list than a pair: plain words stay.
      kinds.push(kind === 'token' && typeof item === 'string' && isPlainTokenValue(item) ? undefined : kind);
    }
    return kinds.some((kind) => kind !== undefined) ? kinds : undefined;
  }

  private leaf(text: string, mode: Mode): string {
    if (mode === 'drop') return DROPPED;
    if (mode === 'hash') return this.hashValue(text);
    return text;
  }
}
