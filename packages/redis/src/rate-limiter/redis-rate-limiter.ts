import {
  BackendUnavailableError,
  encodeKeyPart,
  TristackError,
  type RateLimiterOptions,
  type StoreRateLimiterOptions,
  InvalidOptionsError,
  type RateLimitResult,
  type RateLimitRule,
  type RateLimitRuleResult,
} from '@tristack/core';
import {
  BaseRateLimiter,
  BlockedKeyCache,
  parseOptions,
  storeUnavailableResult,
  summarizeRateLimit,
  toRuleResult,
  storeRateLimiterOptionsSchema,
  type RateLimitKeyTarget,
  type RateLimitTarget,
  type RedisConnection,
} from '@tristack/core/driver-kit';
import { isClusterClient, isServerReplyError, toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { redisKey } from '../keys.js';
import { RedisScript } from '../script.js';
import { DeadlineWatch, TimeoutError } from './deadline-watch.js';
import { limitScriptSource, MAX_SPECIALISED_RULES } from './limit-script-source.js';
import { rateLimiterScript } from './rate-limiter-script.js';
import { parseRateLimiterReply, type TargetReply } from './rate-limiter-reply.js';
import { RedisRateLimiterInspector } from './redis-rate-limiter-inspector.js';

const DRIVER = 'redis';
const PRIMITIVE = 'rate-limiter';

export interface RedisRateLimiterOptions
  extends RateLimiterOptions, StoreRateLimiterOptions, RedisDriverOptions {
  /**
   * Whether the client is a Redis Cluster: each key is then charged by its own script on its own
   * shard, and refunded when another key denies (see the docs' cluster semantics).
   * @default true when `client` is a node-redis cluster
   */
  cluster?: boolean;
}

const ALGORITHM_CODES = { 'sliding-window': 's', 'fixed-window': 'f', 'token-bucket': 't' } as const;

function ruleArguments(rule: RateLimitRule): string[] {
  const parameter =
    rule.algorithm === 'sliding-window'
      ? String(rule.segments)
      : rule.algorithm === 'token-bucket'
        ? String(rule.burst)
        : rule.anchor === 'epoch'
          ? 'e'
          : 'h';
  return [rule.name, ALGORITHM_CODES[rule.algorithm], String(rule.limit), String(rule.windowMs), parameter];
}

type Mode = 'limit' | 'peek' | 'reconcile' | 'block';

/**
 * `RateLimiter` shared by a fleet through Redis.
 *
 * - One hash per (limiter name, scope, id), key `<prefix>:rate-limiter:{<name>:<scope>:<id>}`,
 *   expiring when nothing in it counts any more.
 * - Every call is one EVALSHA (EVAL after NOSCRIPT) that checks every rule of every key before it
 *   writes any: all-or-nothing. Time is the server's `TIME`.
 * - Cluster: keys of different scopes live on different shards, so each is charged by its own
 *   script, in parallel; when any denies, the others are refunded at their own `checkedAt`.
 *   Never over-admits; a concurrent call may briefly see the refunded reservation and be denied.
 * - Redis down or slow: `failurePolicy` after `timeoutMs`, reported as `reason: 'store-unavailable'`.
 */
export class RedisRateLimiter extends BaseRateLimiter {
  private readonly prefix: string;
  private readonly connection: RedisConnection;
  private readonly timeoutMs: number;
  private readonly failurePolicy: 'fail-open' | 'fail-closed';
  private readonly cluster: boolean;
  private readonly blockedKeys: BlockedKeyCache;
  private readonly ruleArguments = new Map<RateLimitRule, string[]>();
  private readonly deadlines: DeadlineWatch;
  /** `limit()`'s script per shape of call (the scopes it names, in order), written on first use. */
  private readonly limitScripts = new Map<string, RedisScript | undefined>();
  /** Per scope, a key up to the id: `<prefix>:rate-limiter:{<name>:<scope>:`. */
  private readonly keyHeads = new Map<string, string>();

  constructor(options: RedisRateLimiterOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisRateLimiter');
    const { timeoutMs, failurePolicy, blockedKeyCache, cluster, ...shared } = rest;
    super(shared, DRIVER);
    const own = parseOptions(
      storeRateLimiterOptionsSchema,
      { timeoutMs, failurePolicy, blockedKeyCache },
      { what: 'RedisRateLimiter', driver: DRIVER },
    );
    if (cluster !== undefined && typeof cluster !== 'boolean')
      throw new InvalidOptionsError('invalid RedisRateLimiter options: cluster: expected a boolean', {
        driver: DRIVER,
      });
    this.prefix = prefix;
    // The limiter keeps its own deadline (timeoutMs): node-redis need not time each command too.
    this.connection = toRedisConnection(client, DRIVER, { ownDeadline: true });
    this.timeoutMs = own.timeoutMs;
    this.failurePolicy = own.failurePolicy;
    this.cluster = cluster ?? isClusterClient(client);
    this.deadlines = new DeadlineWatch(own.timeoutMs);
    this.blockedKeys = new BlockedKeyCache(own.blockedKeyCache.maxKeys);
    for (const rule of this.limits) this.ruleArguments.set(rule, ruleArguments(rule));
  }

  /** A read-only view of this limiter's counters (its rules add limit, remaining and reset). */
  inspector(): RedisRateLimiterInspector {
    return new RedisRateLimiterInspector({
      client: this.connection,
      prefix: this.prefix,
      boundTo: { name: this.name, limits: this.limits },
    });
  }

  /**
   * The hot path: one EVALSHA of the script written for this shape of call, with no await, timer or
   * array copy of its own. Cluster calls naming several scopes take `check` (a script per shard).
   */
  protected limitTargets(targets: RateLimitTarget[]): Promise<RateLimitResult> {
    if (this.blockedKeys.size > 0) {
      const cached = this.cachedDenial(targets);
      if (cached) return Promise.resolve(cached);
    }
    const script = this.cluster && targets.length > 1 ? undefined : this.limitScript(targets);
    if (!script) return this.check('limit', targets);
    const args: string[] = ['EVALSHA', script.sha1, String(targets.length)];
    for (const target of targets) args.push(this.redisKeyOf(target));
    for (const target of targets) for (const { cost } of target.rules) args.push(String(cost));
    const options = { key: args[3] };
    const onReply = (raw: unknown) => this.limitResult(targets, raw as readonly (string | number)[]);
    const onError = (error: unknown) => this.unavailable(error);
    return this.deadlines.watch(this.connection.sendCommand(args, options)).then(onReply, (error) => {
      if (!isServerReplyError(error) || !error.message.startsWith('NOSCRIPT')) return onError(error);
      args[0] = 'EVAL';
      args[1] = script.source;
      return this.deadlines.watch(this.connection.sendCommand(args, options)).then(onReply, onError);
    });
  }

  private limitScript(targets: readonly RateLimitTarget[]): RedisScript | undefined {
    let shapeId = targets[0]!.scope;
    for (let index = 1; index < targets.length; index++) shapeId += `,${targets[index]!.scope}`;
    if (this.limitScripts.has(shapeId)) return this.limitScripts.get(shapeId);
    const shape = targets.map((target) => target.rules.map(({ rule }) => rule));
    const ruleCount = shape.reduce((sum, rules) => sum + rules.length, 0);
    const script =
      ruleCount <= MAX_SPECIALISED_RULES
        ? new RedisScript('rate-limiter-limit', limitScriptSource(shape))
        : undefined;
    this.limitScripts.set(shapeId, script);
    return script;
  }

  /** Admitted: the short reply (remaining and resetAt per rule). Denied: the generic reply. */
  private limitResult(
    targets: readonly RateLimitTarget[],
    raw: readonly (string | number)[],
  ): RateLimitResult {
    const now = Number(raw[0]) * 1000 + Number(raw[1]) / 1000;
    let ruleCount = 0;
    for (const target of targets) ruleCount += target.rules.length;
    if (raw.length === 2 + 2 * ruleCount) {
      const rules: RateLimitRuleResult[] = [];
      let index = 2;
      for (const target of targets) {
        for (const { rule, cost } of target.rules) {
          const verdict = {
            fits: true,
            never: false,
            remaining: Number(raw[index]),
            resetAt: Number(raw[index + 1]),
            retryAfterMs: 0,
            exhaustedForMs: 0,
          };
          index += 2;
          rules.push(toRuleResult(target.scope, target.key, rule, verdict, cost > 0 ? cost : 0));
        }
      }
      return summarizeRateLimit(rules, now, 0);
    }
    const reply: ParsedReply = { group: targets, ...parseRateLimiterReply(raw, targets) };
    const result = this.summarize(targets, [reply], 'limit');
    if (!result.allowed) this.remember([reply]);
    return result;
  }

  protected async peekTargets(targets: RateLimitTarget[]): Promise<RateLimitResult> {
    return this.check('peek', targets);
  }

  protected async reconcileTargets(
    targets: RateLimitTarget[],
    checkedAt: number | undefined,
  ): Promise<RateLimitResult> {
    // A refund may free room this process thinks is exhausted.
    for (const target of targets) this.blockedKeys.delete(cacheId(target));
    const extra = checkedAt === undefined ? '' : String(checkedAt);
    const replies = await this.required(this.runGroups('reconcile', targets, extra));
    return this.summarize(targets, replies, 'reconcile');
  }

  protected async resetTargets(targets: RateLimitKeyTarget[]): Promise<void> {
    for (const target of targets) this.blockedKeys.delete(cacheId(target));
    // DEL per key: on a cluster the keys live on different shards. Not a hot path.
    await this.required(
      Promise.all(
        targets.map((target) => {
          const redis = this.redisKeyOf(target);
          return this.connection.sendCommand(['DEL', redis], { key: redis });
        }),
      ),
    );
  }

  protected async blockTargets(keys: RateLimitKeyTarget[], duration: number): Promise<void> {
    const targets = keys.map((target) => ({
      ...target,
      rules: target.rules.map((rule) => ({ rule, cost: 0 })),
    }));
    await this.required(this.runGroups('block', targets, String(duration)));
  }

  /** `limit` or `peek`: one script call (per shard on a cluster), the failure policy on an outage. */
  private async check(mode: 'limit' | 'peek', targets: RateLimitTarget[]): Promise<RateLimitResult> {
    const groups = this.groupsOf(targets);
    let replies: ParsedReply[];
    if (groups.length === 1) {
      try {
        replies = [await this.withTimeout(this.runGroup(mode, groups[0]!, ''))];
      } catch (error) {
        return this.unavailable(error);
      }
    } else {
      const settled = await Promise.allSettled(
        groups.map((group) => this.withTimeout(this.runGroup(mode, group, ''))),
      );
      replies = settled.flatMap((each) => (each.status === 'fulfilled' ? [each.value] : []));
      const failure = settled.find((each) => each.status === 'rejected');
      if (failure) {
        // Cluster, some shards answered: a denial must not keep what they charged.
        if (mode === 'limit' && this.failurePolicy === 'fail-closed')
          await this.refund(replies.filter(admitted));
        return this.unavailable(failure.reason);
      }
      if (mode === 'limit' && !replies.every(admitted)) {
        const refunded = replies.filter(admitted);
        await this.refund(refunded);
        replies = replies.map((reply) => (refunded.includes(reply) ? { ...reply, refunded: true } : reply));
      }
    }
    const result = this.summarize(targets, replies, mode);
    if (mode === 'limit' && !result.allowed) this.remember(replies);
    return result;
  }

  /** Redis down or slower than the timeout: the failure policy answers. Anything else is thrown. */
  private unavailable(error: unknown): RateLimitResult {
    if (!(error instanceof TimeoutError) && !TristackError.hasCode(error, 'BACKEND_UNAVAILABLE')) throw error;
    return storeUnavailableResult(this.failurePolicy, Date.now(), this.timeoutMs);
  }

  /** Standalone: every key in one script. Cluster: one script per key (their slots differ). */
  private groupsOf<Target>(targets: readonly Target[]): Target[][] {
    return this.cluster ? targets.map((target) => [target]) : [[...targets]];
  }

  private async runGroups(
    mode: Mode,
    targets: readonly RateLimitTarget[],
    extra: string,
  ): Promise<ParsedReply[]> {
    return Promise.all(this.groupsOf(targets).map((group) => this.runGroup(mode, group, extra)));
  }

  private async runGroup(mode: Mode, group: readonly RateLimitTarget[], extra: string): Promise<ParsedReply> {
    const args = [mode, extra];
    for (const target of group) {
      args.push(String(target.rules.length));
      for (const { rule, cost } of target.rules) args.push(...this.ruleArguments.get(rule)!, String(cost));
    }
    const raw = await rateLimiterScript.run(
      this.connection,
      group.map((target) => this.redisKeyOf(target)),
      args,
    );
    return { group, ...parseRateLimiterReply(raw, group) };
  }

  /**
   * Cluster: shards that admitted a call another shard denied give back what they charged, at
   * the server time they charged it.
   */
  private async refund(replies: readonly ParsedReply[]): Promise<void> {
    await Promise.all(
      replies.map((reply) =>
        this.runGroup(
          'reconcile',
          reply.group.map((target) => ({
            ...target,
            rules: target.rules.map(({ rule, cost }) => ({ rule, cost: -cost })),
          })),
          String(reply.now),
        ).catch(() => {
          // Redis went away between the two calls: the reservation stays, over-counting (the safe side).
        }),
      ),
    );
  }

  private summarize(
    targets: readonly RateLimitTarget[],
    replies: readonly ParsedReply[],
    mode: Mode,
  ): RateLimitResult {
    const rules: RateLimitRuleResult[] = [];
    let blockedUntil = 0;
    let checkedAt = 0;
    for (const reply of replies) {
      checkedAt = Math.max(checkedAt, reply.now);
      const charging = mode === 'limit' && !reply.refunded && admitted(reply);
      reply.group.forEach((target, index) => {
        const state = reply.targets[index]!;
        if (state.blockedUntil > reply.now) blockedUntil = Math.max(blockedUntil, state.blockedUntil);
        target.rules.forEach(({ rule, cost }, ruleIndex) => {
          const verdict = state.rules[ruleIndex]!;
          const charged = charging && cost > 0 ? cost : 0;
          // A refunded shard reports the room it had before its charge.
          const reported =
            reply.refunded && verdict.fits ? { ...verdict, remaining: verdict.remaining + cost } : verdict;
          rules.push(toRuleResult(target.scope, target.key, rule, reported, charged));
        });
      });
    }
    if (replies.length > 1) {
      // Keep the caller's order of scopes, whatever order the shards answered in.
      const order = new Map(targets.map((target, index) => [cacheId(target), index]));
      rules.sort((a, b) => order.get(cacheId(a))! - order.get(cacheId(b))!);
    }
    return summarizeRateLimit(rules, checkedAt, blockedUntil);
  }

  /** After a denial: remember the keys that deny every call, for as long as Redis said. */
  private remember(replies: readonly ParsedReply[]): void {
    for (const reply of replies) {
      reply.group.forEach((target, index) => {
        const state = reply.targets[index]!;
        // The rule that denies longest: a local answer names it, as this reply did.
        let denying = -1;
        state.rules.forEach((verdict, rule) => {
          if (!verdict.fits && (denying < 0 || verdict.retryAfterMs > state.rules[denying]!.retryAfterMs))
            denying = rule;
        });
        this.blockedKeys.set(
          cacheId(target),
          state.deniesAllForMs,
          state.blockedUntil > reply.now ? 'blocked' : 'limited',
          denying < 0
            ? { scope: target.scope }
            : { scope: target.scope, rule: target.rules[denying]!.rule.name },
        );
      });
    }
  }

  private cachedDenial(targets: readonly RateLimitTarget[]): RateLimitResult | undefined {
    const now = Date.now();
    let until = 0;
    let reason: RateLimitResult['reason'] = 'limited';
    let denied: { scope?: string; rule?: string } = {};
    for (const target of targets) {
      const entry = this.blockedKeys.get(cacheId(target));
      if (entry && entry.until > until) {
        until = entry.until;
        reason = entry.reason;
        denied = entry;
      }
    }
    if (until === 0) return undefined;
    return {
      allowed: false,
      limit: 0,
      remaining: 0,
      resetAt: Math.ceil(until),
      retryAfterMs: Math.max(1, Math.ceil(until - now)),
      reason,
      checkedAt: now,
      rules: [],
      ...(reason === 'limited' && denied.scope !== undefined ? { scope: denied.scope } : {}),
      ...(reason === 'limited' && denied.rule !== undefined ? { rule: denied.rule } : {}),
    };
  }

  /** `redisKey(prefix, 'rate-limiter', [name, scope, id])`, with the fixed part worked out once. */
  private redisKeyOf(target: { scope: string; key: string }): string {
    let head = this.keyHeads.get(target.scope);
    if (head === undefined) {
      const sample = redisKey(this.prefix, PRIMITIVE, [this.name, target.scope, 'x']);
      head = sample.slice(0, -'x}'.length);
      this.keyHeads.set(target.scope, head);
    }
    return `${head}${encodeKeyPart(target.key)}}`;
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    return this.deadlines.watch(work);
  }

  /** Operations that are not admission decisions: an outage or timeout is an error. */
  private async required<T>(work: Promise<T>): Promise<T> {
    try {
      return await this.withTimeout(work);
    } catch (error) {
      if (error instanceof TimeoutError)
        throw new BackendUnavailableError(`Redis did not answer within ${this.timeoutMs} ms`, {
          driver: DRIVER,
        });
      throw error;
    }
  }
}

interface ParsedReply {
  readonly group: readonly RateLimitTarget[];
  readonly now: number;
  readonly targets: readonly TargetReply[];
  /** Cluster: this shard admitted, then was refunded because another denied. */
  readonly refunded?: boolean;
}

/** True when every key of the reply's script admitted the call (and so was charged). */
function admitted(reply: ParsedReply): boolean {
  return reply.targets.every(
    (target) => target.blockedUntil <= reply.now && target.rules.every((rule) => rule.fits),
  );
}

function cacheId(target: { scope: string; key: string }): string {
  return `${target.scope}\u0000${target.key}`;
}
