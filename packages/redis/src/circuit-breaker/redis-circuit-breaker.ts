import {
  BackendUnavailableError,
  InMemoryCircuitBreaker,
  InvalidOptionsError,
  TristackError,
  systemClock,
  type CircuitAcquireResult,
  type CircuitBreakerInspector,
  type CircuitOutcome,
  type CircuitPermit,
  type CircuitSnapshot,
  type CircuitStateChange,
  type SharedCircuitBreakerOptions,
} from '@tristack/core';
import {
  BaseCircuitBreaker,
  classifyOutcome,
  markShadowCircuitBreaker,
  parseOptions,
  sharedCircuitBreakerOptionsSchema,
  type RedisConnection,
  type ResolvedSharedCircuitBreakerOptions,
} from '@tristack/core/driver-kit';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { redisKey } from '../keys.js';
import { listCircuitBreakers } from './list-circuit-breakers.js';
import type { RedisScript } from '../script.js';
import {
  circuitScripts,
  parseCircuitReply,
  policyArguments,
  type CircuitReply,
} from './circuit-breaker-scripts.js';
import {
  CircuitEventSubscription,
  isSubscribable,
  type SubscribableClientLike,
} from './circuit-event-subscription.js';
import { LocalCircuitSnapshots, OutcomeBatcher, type OutcomeBatch } from '@tristack/core/driver-kit';

const DRIVER = 'redis';
/** Tag of permits granted in 'allow' mode while Redis is unreachable: nothing records them. */
const DROPPED = Symbol('dropped');
const PRIMITIVE = 'circuit-breaker';

export interface RedisCircuitBreakerOptions extends SharedCircuitBreakerOptions, RedisDriverOptions {
  /**
   * A node-redis client or cluster to duplicate for the pub/sub subscription that spreads state
   * changes. Without one (a bare `RedisConnection` as `client`), processes learn of changes by
   * refreshing their snapshot every `maxStalenessMs`.
   * @default client, when it is a node-redis client or cluster
   */
  subscriber?: SubscribableClientLike;
}

/**
 * `CircuitBreaker` whose state the whole fleet shares through Redis.
 *
 * - One hash per name, updated by single-key Lua scripts (cluster-safe); no lock around the call.
 * - Closed path: decided on a per-process snapshot no older than `maxStalenessMs`; successes are
 *   written in batches every `flushIntervalMs`. Both refresh the snapshot from the script reply.
 * - Every state change is PUBLISHed by the script that made it; subscribers update their
 *   snapshot at once, so the fleet learns of a trip within one notification.
 * - Half-open: probe tokens with their own expiry, at most `halfOpenProbes` fleet-wide.
 * - Redis unreachable: `onBackendUnavailable` ('local' by default), never an exception on the call path.
 */
export class RedisCircuitBreaker extends BaseCircuitBreaker {
  private readonly options: ResolvedSharedCircuitBreakerOptions;
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly policyArgs: string[];
  private readonly snapshots: LocalCircuitSnapshots;
  private readonly batcher: OutcomeBatcher;
  private readonly refreshing = new Map<string, Promise<CircuitReply | undefined>>();
  // `this.permits` (from the base class): a permit granted while Redis was unreachable carries the
  // fallback's own permit (or DROPPED in 'allow' mode) as its tag, so its outcome stays local.
  /** Fed with this process's outcomes all along, so it is warm when Redis goes away. */
  private readonly fallback: InMemoryCircuitBreaker | undefined;
  private readonly subscription: CircuitEventSubscription | undefined;
  private readonly shadowChanges = new Map<string, CircuitStateChange>();
  private backendDown = false;
  private retryBackendAt = 0;
  private closed = false;

  constructor(options: RedisCircuitBreakerOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisCircuitBreaker');
    const { subscriber, ...shared } = rest;
    const parsed = parseOptions(sharedCircuitBreakerOptionsSchema, shared, {
      what: 'RedisCircuitBreaker',
      driver: DRIVER,
    });
    // Successes are batched: the closed path adds no round trip.
    const instanceId = parsed.instanceId ?? `redis-${globalThis.crypto.randomUUID()}`;
    super({ instanceId, clock: systemClock, awaitSuccess: false }, DRIVER);
    this.options = parsed;
    const source = subscriber ?? (isSubscribable(client) ? client : undefined);
    if (subscriber !== undefined && !isSubscribable(subscriber))
      throw new InvalidOptionsError(
        'invalid RedisCircuitBreaker options: subscriber: expected a node-redis client or cluster',
        { driver: DRIVER },
      );
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
    this.channel = `${prefix}:${PRIMITIVE}:changes`;
    this.policyArgs = [this.channel, this.instanceId, ...policyArguments(this.options)];
    this.snapshots = new LocalCircuitSnapshots(this.options.maxStalenessMs);
    this.batcher = new OutcomeBatcher(this.options.flushIntervalMs, (name, batch) =>
      this.writeBatch(name, batch),
    );
    if (this.options.onBackendUnavailable === 'local') {
      // Same policy; the options only the shared driver knows are ignored by the in-memory one.
      this.fallback = new InMemoryCircuitBreaker({ ...this.options, instanceId: this.instanceId });
      markShadowCircuitBreaker(this.fallback);
      // While degraded, the local breaker's changes are the ones that matter: pass them on. Its
      // last change per name is kept, to be announced when Redis goes away.
      this.fallback.onEvent((event) => {
        if (event.type !== 'state-change') return;
        if (event.to === 'closed') this.shadowChanges.delete(event.name);
        else this.shadowChanges.set(event.name, event);
        if (this.backendDown) this.emit(event);
      });
    }
    this.subscription = source
      ? new CircuitEventSubscription(source, this.channel, (message) => this.onNotice(message))
      : undefined;
  }

  /** Resolves once the pub/sub subscription is live (false when there is none). Calls never wait for it. */
  async subscribed(): Promise<boolean> {
    if (!this.subscription) return false;
    return this.subscription.ready.then(
      () => true,
      () => false,
    );
  }

  protected async admit(valid: string): Promise<CircuitAcquireResult> {
    if (this.degraded()) return this.acquireDegraded(valid);
    let now = Date.now();
    let snapshot = this.snapshots.fresh(valid, now);
    if (!snapshot) {
      const reply = await this.refresh(valid);
      if (!reply) return this.acquireDegraded(valid);
      now = Date.now();
      snapshot = this.snapshots.fresh(valid, now);
    }
    if (snapshot?.state === 'closed') {
      return {
        admitted: true,
        state: 'closed',
        permit: this.permits.issue(valid, undefined, now),
      };
    }
    if (snapshot && now < snapshot.rejectUntil) {
      return {
        admitted: false,
        state: snapshot.state,
        reason: snapshot.state === 'open' ? 'open' : 'half-open-full',
        retryAfterMs: snapshot.rejectUntil - now,
      };
    }
    // Open period over, or a probe slot may be free: only Redis can hand out a probe token.
    const reply = await this.run(circuitScripts.acquire, valid, [globalThis.crypto.randomUUID()]);
    if (!reply) return this.acquireDegraded(valid);
    const acquiredAt = Date.now();
    if (reply.admitted) {
      return {
        admitted: true,
        state: reply.state,
        permit: this.permits.issue(valid, reply.probeToken, acquiredAt),
      };
    }
    return {
      admitted: false,
      state: reply.state,
      reason: reply.state === 'open' ? 'open' : 'half-open-full',
      retryAfterMs: reply.retryAfterMs,
    };
  }

  protected async recordOutcome(valid: CircuitPermit, validOutcome: CircuitOutcome): Promise<void> {
    if (!this.permits.settle(valid)) return;
    const local = this.permits.tagOf(valid);
    if (local === DROPPED) return;
    if (local !== undefined) {
      this.fallback?.recordNow(local as CircuitPermit, validOutcome);
      return;
    }
    // The fallback counts this process's calls all along; Redis probe tokens mean nothing to it.
    this.fallback?.recordNow({ ...valid, probeToken: undefined }, validOutcome);
    const verdict = classifyOutcome(this.options, validOutcome, Date.now() - valid.acquiredAt);
    if (valid.probeToken !== undefined) {
      await this.run(circuitScripts.recordProbe, valid.name, [valid.probeToken, verdict]);
      return;
    }
    if (verdict === 'ignored') return;
    await this.batcher.add(valid.name, verdict);
  }

  /** A read-only view of the breakers under this breaker's prefix. */
  inspector(): CircuitBreakerInspector {
    return {
      list: (options) => listCircuitBreakers(this.connection, this.prefix, options),
      state: (name) => this.getState(name),
    };
  }

  protected async readState(valid: string): Promise<CircuitSnapshot> {
    let reply: CircuitReply;
    try {
      reply = await this.runOrThrow(circuitScripts.read, valid, []);
    } catch (error) {
      if (this.fallback) return this.fallback.getState(valid);
      throw error;
    }
    const elapsed = reply.state === 'open' && reply.retryAfterMs === 0;
    return {
      name: valid,
      // An open breaker whose period elapsed admits probes on the next call: show it as such.
      state: elapsed ? 'half-open' : reply.state,
      retryAfterMs: reply.state === 'open' ? reply.retryAfterMs : 0,
      trips: reply.trips,
      calls: reply.calls,
      failures: reply.failures,
      consecutiveFailures: reply.consecutiveFailures,
      failingInstances: reply.failingInstances,
      probesInFlight: reply.probesInFlight,
      probeSuccesses: reply.probeSuccesses,
      changedAt: reply.changedAt,
    };
  }

  protected async resetState(valid: string): Promise<void> {
    await this.fallback?.reset(valid);
    await this.runOrThrow(circuitScripts.reset, valid, []);
  }

  /** Writes pending outcomes, then drops the subscription. The client is left open. */
  protected async release(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.batcher.flushAll();
    await this.subscription?.close();
    await this.fallback?.close();
  }

  private key(name: string): string {
    return redisKey(this.prefix, PRIMITIVE, name, 'state');
  }

  private degraded(): boolean {
    return this.backendDown && Date.now() < this.retryBackendAt;
  }

  private acquireDegraded(name: string): CircuitAcquireResult {
    const mode = this.options.onBackendUnavailable;
    if (mode === 'reject') {
      return {
        admitted: false,
        state: 'open',
        reason: 'backend-unavailable',
        retryAfterMs: Math.max(0, this.retryBackendAt - Date.now()),
      };
    }
    if (mode === 'allow') {
      return {
        admitted: true,
        state: 'closed',
        permit: this.permits.issue(name, undefined, Date.now(), DROPPED),
      };
    }
    const local = this.fallback!.acquireNow(name);
    if (!local.admitted) return local;
    const { permit } = local;
    return { ...local, permit: this.permits.issue(name, permit.probeToken, permit.acquiredAt, permit) };
  }

  /** One read per name at a time; concurrent callers share it. */
  private refresh(name: string): Promise<CircuitReply | undefined> {
    let running = this.refreshing.get(name);
    if (!running) {
      running = this.run(circuitScripts.read, name, []).finally(() => this.refreshing.delete(name));
      this.refreshing.set(name, running);
    }
    return running;
  }

  private async writeBatch(name: string, batch: OutcomeBatch): Promise<void> {
    await this.run(circuitScripts.recordBatch, name, [
      String(batch.successes),
      String(batch.failures),
      String(batch.trailingFailures),
      batch.hadSuccess ? '1' : '0',
    ]);
  }

  /** Runs a script; on any failure marks Redis unavailable and resolves undefined (the call path never throws). */
  private async run(script: RedisScript, name: string, extra: string[]): Promise<CircuitReply | undefined> {
    try {
      return await this.runOrThrow(script, name, extra);
    } catch {
      return undefined;
    }
  }

  private async runOrThrow(script: RedisScript, name: string, extra: string[]): Promise<CircuitReply> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BackendUnavailableError(`Redis did not answer within ${this.options.backendTimeoutMs} ms`, {
              driver: DRIVER,
            }),
          ),
        this.options.backendTimeoutMs,
      );
    });
    let reply: CircuitReply;
    try {
      const raw = await Promise.race([
        script.run(this.connection, [this.key(name)], [name, ...this.policyArgs, ...extra]),
        timeout,
      ]);
      reply = parseCircuitReply(raw);
    } catch (error) {
      this.markBackendDown(error);
      throw asBackendUnavailable(error);
    } finally {
      clearTimeout(timer);
    }
    this.markBackendUp();
    const now = Date.now();
    this.snapshots.learn(name, reply, now);
    if (reply.event) this.emitChange(reply.event, 'local');
    return reply;
  }

  private markBackendDown(error: unknown): void {
    this.retryBackendAt = Date.now() + this.options.backendRetryMs;
    if (this.backendDown) return;
    this.backendDown = true;
    this.emit({ type: 'backend-unavailable', at: Date.now(), error });
    // From now on the local breaker decides: say where it stands.
    for (const change of this.shadowChanges.values()) this.emit(change);
  }

  private markBackendUp(): void {
    if (!this.backendDown) return;
    this.backendDown = false;
    // What we knew before the outage says nothing about now.
    this.snapshots.clear();
    this.emit({ type: 'backend-restored', at: Date.now() });
  }

  /** A state change published by any instance (ours included) reaches every subscriber. */
  private onNotice(message: string): void {
    let change: Omit<CircuitStateChange, 'origin'>;
    try {
      change = JSON.parse(message) as Omit<CircuitStateChange, 'origin'>;
    } catch {
      return;
    }
    if (change?.type !== 'state-change' || typeof change.name !== 'string') return;
    this.snapshots.learn(
      change.name,
      { state: change.to, retryAfterMs: change.openMs, serverTime: change.at },
      Date.now(),
    );
    // Our own changes were announced when the script replied.
    if (change.instanceId !== this.instanceId) this.emitChange(message, 'remote');
  }

  private emitChange(json: string, origin: 'local' | 'remote'): void {
    const change = JSON.parse(json) as Omit<CircuitStateChange, 'origin'>;
    this.emit({ ...change, origin });
  }
}

function asBackendUnavailable(error: unknown): Error {
  if (TristackError.hasCode(error, 'BACKEND_UNAVAILABLE')) return error;
  return new BackendUnavailableError(
    `circuit breaker script failed: ${(error as Error)?.message ?? String(error)}`,
    {
      driver: DRIVER,
      cause: error,
    },
  );
}
