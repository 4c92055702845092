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
  type CircuitState,
  type CircuitStateChange,
  type SharedCircuitBreakerOptions,
} from '@tristack/core';
import {
  BaseCircuitBreaker,
  classifyOutcome,
  parseOptions,
  sharedCircuitBreakerOptionsSchema,
  type ResolvedSharedCircuitBreakerOptions,
} from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { splitPostgresDriverOptions, type PostgresDriverOptions } from '../driver-options.js';
import { runStatement, statement, type Statement } from '../internal/sql.js';
import { NotificationListener } from '../notification-listener.js';
import { listCircuitBreakers } from './list-circuit-breakers.js';
import { LocalCircuitSnapshots, OutcomeBatcher, type OutcomeBatch } from '@tristack/core/driver-kit';
import { schemaIdentifier } from '../internal/schema-identifier.js';

const DRIVER = 'postgres';
/** Tag of permits granted in 'allow' mode while the server is unreachable: nothing records them. */
const DROPPED = Symbol('dropped');

/** Options of `PostgresCircuitBreaker`: the shared breaker's own, plus the pool and schema. */
export interface PostgresCircuitBreakerOptions extends SharedCircuitBreakerOptions, PostgresDriverOptions {
  /**
   * LISTEN for state changes on a connection checked out of the pool for the breaker's lifetime,
   * so the fleet learns of a trip at once. Without it, processes learn of changes by refreshing
   * their snapshot every `maxStalenessMs`.
   * @default true
   */
  listen?: boolean;
}

type Operation = 'read' | 'acquire' | 'batch' | 'probe' | 'reset';

interface CircuitRow {
  state: CircuitState;
  retry_after: string;
  changed_at: string;
  server_time: string;
  trips: number;
  calls: string;
  failures: string;
  consecutive: number;
  failing_instances: number;
  probes: number;
  probe_ok: number;
  admitted: boolean;
  token: string | null;
  event: string | null;
}

interface CircuitReply {
  state: CircuitState;
  retryAfterMs: number;
  changedAt: number;
  serverTime: number;
  trips: number;
  calls: number;
  failures: number;
  consecutiveFailures: number;
  failingInstances: number;
  probesInFlight: number;
  probeSuccesses: number;
  admitted: boolean;
  probeToken: string | undefined;
  event: string | undefined;
}

function toReply(row: CircuitRow): CircuitReply {
  return {
    state: row.state,
    retryAfterMs: Number(row.retry_after),
    changedAt: Number(row.changed_at),
    serverTime: Number(row.server_time),
    trips: row.trips,
    calls: Number(row.calls),
    failures: Number(row.failures),
    consecutiveFailures: row.consecutive,
    failingInstances: row.failing_instances,
    probesInFlight: row.probes,
    probeSuccesses: row.probe_ok,
    admitted: row.admitted,
    probeToken: row.token ?? undefined,
    event: row.event ?? undefined,
  };
}

/**
 * `CircuitBreaker` whose state the whole fleet shares through PostgreSQL.
 *
 * - One row per name in the unlogged `<schema>.circuit_breaker`, changed by one call of the
 *   `circuit_breaker_call` function (row lock, state machine, `pg_notify` of any state change).
 * - Closed path: decided on a per-process snapshot no older than `maxStalenessMs`, no query;
 *   successes are written in batches every `flushIntervalMs`.
 * - Every state change is NOTIFYed by the transaction that made it; listeners update their snapshot
 *   at once, so the fleet learns of a trip within one notification.
 * - Server unreachable: `onBackendUnavailable` ('local' by default), never an exception on the call path.
 */
export class PostgresCircuitBreaker extends BaseCircuitBreaker {
  private readonly options: ResolvedSharedCircuitBreakerOptions;
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly channel: string;
  private readonly call: Statement;
  private readonly policy: unknown[];
  private readonly snapshots: LocalCircuitSnapshots;
  private readonly batcher: OutcomeBatcher;
  private readonly refreshing = new Map<string, Promise<CircuitReply | undefined>>();
  /** Fed with this process's outcomes all along, so it is warm when the server goes away. */
  private readonly fallback: InMemoryCircuitBreaker | undefined;
  private readonly listener: NotificationListener | undefined;
  private readonly shadowChanges = new Map<string, CircuitStateChange>();
  private backendDown = false;
  private retryBackendAt = 0;
  private closed = false;

  constructor(options: PostgresCircuitBreakerOptions) {
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresCircuitBreaker');
    const { listen = true, ...shared } = rest;
    if (typeof listen !== 'boolean')
      throw new InvalidOptionsError('invalid PostgresCircuitBreaker options: listen: expected a boolean', {
        driver: DRIVER,
      });
    const parsed = parseOptions(sharedCircuitBreakerOptionsSchema, shared, {
      what: 'PostgresCircuitBreaker',
      driver: DRIVER,
    });
    // Successes are batched: the closed path adds no round trip.
    const instanceId = parsed.instanceId ?? `postgres-${globalThis.crypto.randomUUID()}`;
    super({ instanceId, clock: systemClock, awaitSuccess: false }, DRIVER);
    this.options = parsed;
    this.pool = pool;
    this.schema = schema;
    this.channel = schemaIdentifier(schema, 'circuit_breaker');
    this.call = statement(
      'circuit-breaker.call',
      schema,
      (s) => `SELECT * FROM ${s}.circuit_breaker_call($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
        $14, $15, $16, $17, $18, $19, $20, $21)`,
    );
    this.policy = [
      this.channel,
      this.instanceId,
      parsed.failureRateThreshold ?? -1,
      parsed.windowMs,
      parsed.windowBuckets,
      parsed.minimumCalls,
      parsed.consecutiveFailures ?? -1,
      parsed.openMs,
      parsed.openBackoffMultiplier,
      parsed.maxOpenMs,
      parsed.halfOpenProbes,
      parsed.probeTtlMs,
      parsed.quorum,
    ];
    this.snapshots = new LocalCircuitSnapshots(parsed.maxStalenessMs);
    this.batcher = new OutcomeBatcher(parsed.flushIntervalMs, (name, batch) => this.writeBatch(name, batch));
    if (parsed.onBackendUnavailable === 'local') {
      this.fallback = new InMemoryCircuitBreaker({ ...parsed, instanceId: this.instanceId });
      // While degraded, the local breaker's changes are the ones that matter: pass them on.
      this.fallback.onEvent((event) => {
        if (event.type !== 'state-change') return;
        if (event.to === 'closed') this.shadowChanges.delete(event.name);
        else this.shadowChanges.set(event.name, event);
        if (this.backendDown) this.emit(event);
      });
    }
    this.listener = listen
      ? new NotificationListener(
          pool,
          this.channel,
          (payload) => this.onNotice(payload),
          parsed.backendRetryMs,
        )
      : undefined;
  }

  /** Resolves once the LISTEN is in place (false without one). Calls never wait for it. */
  async listening(): Promise<boolean> {
    if (!this.listener) return false;
    return this.listener.ready.then(
      () => true,
      () => false,
    );
  }

  /** A read-only view of the breakers in this breaker's schema. */
  inspector(): CircuitBreakerInspector {
    return {
      list: (options) => listCircuitBreakers(this.pool, this.schema, options),
      state: (name) => this.getState(name),
    };
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
    if (snapshot?.state === 'closed')
      return { admitted: true, state: 'closed', permit: this.permits.issue(valid, undefined, now) };
    if (snapshot && now < snapshot.rejectUntil)
      return {
        admitted: false,
        state: snapshot.state,
        reason: snapshot.state === 'open' ? 'open' : 'half-open-full',
        retryAfterMs: snapshot.rejectUntil - now,
      };
    // Open period over, or a probe slot may be free: only the server can hand out a probe token.
    const reply = await this.run('acquire', valid, { token: globalThis.crypto.randomUUID() });
    if (!reply) return this.acquireDegraded(valid);
    if (reply.admitted)
      return {
        admitted: true,
        state: reply.state,
        permit: this.permits.issue(valid, reply.probeToken, Date.now()),
      };
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
    // The fallback counts this process's calls all along; server probe tokens mean nothing to it.
    this.fallback?.recordNow({ ...valid, probeToken: undefined }, validOutcome);
    const verdict = classifyOutcome(this.options, validOutcome, Date.now() - valid.acquiredAt);
    if (valid.probeToken !== undefined) {
      await this.run('probe', valid.name, { token: valid.probeToken, verdict });
      return;
    }
    if (verdict === 'ignored') return;
    await this.batcher.add(valid.name, verdict);
  }

  protected async readState(valid: string): Promise<CircuitSnapshot> {
    let reply: CircuitReply;
    try {
      reply = await this.runOrThrow('read', valid, {});
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
    await this.runOrThrow('reset', valid, {});
  }

  /** Writes pending outcomes, then stops listening (the connection goes back to the pool). */
  protected async release(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.batcher.flushAll();
    await this.listener?.close();
    await this.fallback?.close();
  }

  private degraded(): boolean {
    return this.backendDown && Date.now() < this.retryBackendAt;
  }

  private acquireDegraded(name: string): CircuitAcquireResult {
    const mode = this.options.onBackendUnavailable;
    if (mode === 'reject')
      return {
        admitted: false,
        state: 'open',
        reason: 'backend-unavailable',
        retryAfterMs: Math.max(0, this.retryBackendAt - Date.now()),
      };
    if (mode === 'allow')
      return {
        admitted: true,
        state: 'closed',
        permit: this.permits.issue(name, undefined, Date.now(), DROPPED),
      };
    const local = this.fallback!.acquireNow(name);
    if (!local.admitted) return local;
    const { permit } = local;
    return { ...local, permit: this.permits.issue(name, permit.probeToken, permit.acquiredAt, permit) };
  }

  /** One read per name at a time; concurrent callers share it. */
  private refresh(name: string): Promise<CircuitReply | undefined> {
    let running = this.refreshing.get(name);
    if (!running) {
      running = this.run('read', name, {}).finally(() => this.refreshing.delete(name));
      this.refreshing.set(name, running);
    }
    return running;
  }

  private async writeBatch(name: string, batch: OutcomeBatch): Promise<void> {
    await this.run('batch', name, {
      successes: batch.successes,
      failures: batch.failures,
      trailing: batch.trailingFailures,
      hadSuccess: batch.hadSuccess,
    });
  }

  /** Runs one call; on any failure marks the server unavailable and resolves undefined (the call path never throws). */
  private async run(operation: Operation, name: string, extra: Extra): Promise<CircuitReply | undefined> {
    try {
      return await this.runOrThrow(operation, name, extra);
    } catch {
      return undefined;
    }
  }

  private async runOrThrow(operation: Operation, name: string, extra: Extra): Promise<CircuitReply> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BackendUnavailableError(
              `PostgreSQL did not answer within ${this.options.backendTimeoutMs} ms`,
              {
                driver: DRIVER,
              },
            ),
          ),
        this.options.backendTimeoutMs,
      );
    });
    let reply: CircuitReply;
    try {
      const rows = await Promise.race([
        runStatement<CircuitRow>(this.pool, this.call, [
          operation,
          name,
          ...this.policy,
          extra.token ?? null,
          extra.successes ?? 0,
          extra.failures ?? 0,
          extra.trailing ?? 0,
          extra.hadSuccess ?? false,
          extra.verdict ?? null,
        ]),
        timeout,
      ]);
      reply = toReply(rows[0]!);
    } catch (error) {
      this.markBackendDown(error);
      throw asBackendUnavailable(error);
    } finally {
      clearTimeout(timer);
    }
    this.markBackendUp();
    this.snapshots.learn(name, reply, Date.now());
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

  /** A state change notified by any instance (ours included) reaches every listener. */
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
    // Our own changes were announced when the call replied.
    if (change.instanceId !== this.instanceId) this.emitChange(message, 'remote');
  }

  private emitChange(json: string, origin: 'local' | 'remote'): void {
    const change = JSON.parse(json) as Omit<CircuitStateChange, 'origin'>;
    this.emit({ ...change, origin });
  }
}

interface Extra {
  token?: string;
  verdict?: string;
  successes?: number;
  failures?: number;
  trailing?: number;
  hadSuccess?: boolean;
}

function asBackendUnavailable(error: unknown): Error {
  if (TristackError.hasCode(error, 'BACKEND_UNAVAILABLE')) return error;
  return new BackendUnavailableError(
    `circuit breaker call failed: ${(error as Error)?.message ?? String(error)}`,
    {
      driver: DRIVER,
      cause: error,
    },
  );
}
