import {
  encodeKeyPart,
  validateId,
  type RateLimitKeyInspection,
  type RateLimitKeyInspectionOptions,
  type RateLimitKeyState,
  type RateLimiterInspector,
  type RateLimitRule,
} from '@tristack/core';
import { describeRuleState, type RedisConnection } from '@tristack/core/driver-kit';
import { toRedisConnection, type RedisClientInput } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { hashReplyToRecord } from '../replies.js';
import { globEscape, parseTaggedKey, scanKeys } from '../scan-keys.js';
import { serverTime } from '../server-time.js';
import { decodeRateLimiterHash } from './rate-limiter-hash.js';

const DRIVER = 'redis';
const PRIMITIVE = 'rate-limiter';

export interface RedisRateLimiterInspectorOptions extends RedisDriverOptions {
  /**
   * Inspect only this limiter, whose rules then add limit, remaining and reset to each rule
   * (what `RedisRateLimiter.inspector()` passes). Without it every limiter is inspected.
   */
  boundTo?: { name: string; limits: readonly RateLimitRule[] };
}

/**
 * `RateLimiterInspector` on the hashes `RedisRateLimiter` keeps, one per (limiter, scope, id) at
 * `<prefix>:rate-limiter:{<limiter>:<scope>:<id>}`: found with SCAN (every master of a cluster),
 * read with HGETALL and PTTL. Reads only.
 */
export class RedisRateLimiterInspector implements RateLimiterInspector {
  private readonly client: RedisClientInput;
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly boundTo: RedisRateLimiterInspectorOptions['boundTo'];

  constructor(options: RedisRateLimiterInspectorOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisRateLimiterInspector');
    this.client = client;
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
    this.boundTo = rest.boundTo;
  }

  async inspectKey(id: string, options: RateLimitKeyInspectionOptions = {}): Promise<RateLimitKeyInspection> {
    validateId(id, 'rate limit key', DRIVER);
    const limiter = this.boundTo?.name ?? options.limiter;
    const now = serverTime(this.connection);
    if (this.boundTo && options.limiter !== undefined && options.limiter !== this.boundTo.name)
      return { checkedAt: await now, found: [], undecodable: [], truncated: false };
    const part = (value: string | undefined) => (value === undefined ? '*' : encodeKeyPart(value));
    // Encoded parts hold no `*`, `?`, `[`, `:` or `}`: the pattern matches them literally.
    const pattern = `${globEscape(`${this.prefix}:${PRIMITIVE}:`)}{${part(limiter)}:${part(options.scope)}:${encodeKeyPart(id)}}`;
    const { keys, truncated } = await scanKeys(this.client, pattern, options.limit);
    const checkedAt = await now;
    const found: RateLimitKeyState[] = [];
    const undecodable: string[] = [];
    for (const key of keys) {
      const parsed = parseTaggedKey(key, this.prefix, PRIMITIVE);
      if (parsed?.ids.length !== 3 || parsed.tail !== '') {
        // A `*` of the pattern matched something no limiter writes.
        undecodable.push(key);
        continue;
      }
      const [limiterName, scope, keyId] = parsed.ids as [string, string, string];
      if (keyId !== id) continue;
      const state = await this.read(key, limiterName, scope, id, checkedAt);
      if (state) found.push(state);
    }
    found.sort((a, b) => a.limiter.localeCompare(b.limiter) || a.scope.localeCompare(b.scope));
    return { checkedAt, found, undecodable, truncated };
  }

  private async read(
    key: string,
    limiter: string,
    scope: string,
    id: string,
    now: number,
  ): Promise<RateLimitKeyState | undefined> {
    const [fields, ttl] = await Promise.all([
      this.connection.sendCommand(['HGETALL', key], { key, readonly: true }),
      this.connection.sendCommand(['PTTL', key], { key, readonly: true }),
    ]);
    const record = hashReplyToRecord(fields);
    // Expired between SCAN and HGETALL.
    if (Object.keys(record).length === 0) return undefined;
    const { blockedUntil, rules } = decodeRateLimiterHash(record);
    const ruleOf = (name: string) =>
      this.boundTo?.limits.find((rule) => rule.scope === scope && rule.name === name);
    return {
      limiter,
      scope,
      id,
      storageKey: key,
      ...(Number(ttl) >= 0 ? { expiresInMs: Number(ttl) } : {}),
      ...(blockedUntil > now ? { blockedUntil: Math.ceil(blockedUntil) } : {}),
      rules: [...rules]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, state]) => describeRuleState(name, state, now, ruleOf(name))),
    };
  }
}
