import { AbortedError, BackendUnavailableError, compositeKey, type Clock } from '@tristack/core';
import type { McpCredentials, McpIdentity } from './mcp-credentials.js';
import { credentialsFingerprint, type McpSession } from './mcp-session.js';

export type OpenMcpSession = (
  key: string,
  identity: McpIdentity,
  credentials: McpCredentials | undefined,
  signal: AbortSignal,
) => Promise<McpSession>;

interface Entry {
  fingerprint: string;
  opening: Promise<McpSession>;
  session: McpSession | undefined;
  /** Aborts the opening (the provider closes): `close()` never waits for a stuck server. */
  abort: AbortController;
}

/** Most calls waiting for a place at once; more fail at once. */
const MAX_WAITERS = 10_000;

/** The pool key of an identity: tenant and user, each encoded, so no two identities share one. */
export function mcpSessionKey(identity: McpIdentity): string {
  return compositeKey([
    ['tenant', identity.tenantId],
    ['user', identity.userId],
  ]);
}

/**
 * At most `maxSessions` open sessions, one per identity, never shared. A new identity evicts the
 * least recently used idle session; sessions idle for `idleTimeoutMs` are closed by a sweep.
 */
export class McpSessionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly retired = new Set<McpSession>();
  /** Calls waiting for a free place (every session in use): woken when one may have freed. */
  private readonly waiters = new Set<() => void>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly options: {
      maxSessions: number;
      idleTimeoutMs: number;
      /** Longest a new user's call waits for a place while every session is in use. */
      maxSessionWaitMs: number;
      clock: Clock;
      driver: string;
      open: OpenMcpSession;
    },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The identity's session (opened with these credentials), marked in use until `release`. */
  async acquire(
    identity: McpIdentity,
    credentials: McpCredentials | undefined,
    signal?: AbortSignal,
    waitUntil = this.options.clock.now() + this.options.maxSessionWaitMs,
  ): Promise<McpSession> {
    if (this.closed) {
      throw new BackendUnavailableError('the MCP provider is closed', { driver: this.options.driver });
    }
    const key = mcpSessionKey(identity);
    const fingerprint = credentialsFingerprint(credentials);
    let entry = this.entries.get(key);
    if (entry && entry.fingerprint !== fingerprint) {
      // New credentials (a rotated token, another OAuth client): never reuse the old connection.
      this.entries.delete(key);
      void entry.opening.then((session) => this.retire(session)).catch(() => undefined);
      entry = undefined;
    }
    if (!entry && !this.makeRoom()) {
      // Every session is in use: wait for one to be released (bounded), then look again.
      await this.waitForRoom(waitUntil, signal);
      return this.acquire(identity, credentials, signal, waitUntil);
    }
    if (!entry) {
      // Synchronous from the lookup to the insert: concurrent first calls of one user share one opening.
      const abort = new AbortController();
      const opening = this.options.open(key, identity, credentials, abort.signal);
      const created: Entry = { fingerprint, opening, session: undefined, abort };
      this.entries.set(key, created);
      opening.then(
        (session) => {
          created.session = session;
        },
        () => {
          if (this.entries.get(key) === created) this.entries.delete(key);
          this.wake();
        },
      );
      entry = created;
      this.startSweeper();
    } else {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    const session = await this.waitFor(entry.opening, signal);
    if (this.closed) {
      await session.close();
      throw new BackendUnavailableError('the MCP provider is closed', { driver: this.options.driver });
    }
    // Evicted or discarded while this call waited for it to open: take a fresh one.
    if (session.isClosed) return this.acquire(identity, credentials, signal, waitUntil);
    session.active++;
    session.lastUsedAt = this.options.clock.now();
    return session;
  }

  release(session: McpSession): void {
    session.active = Math.max(session.active - 1, 0);
    session.lastUsedAt = this.options.clock.now();
    if (session.active === 0 && this.retired.delete(session)) void session.close();
    if (session.active === 0) this.wake();
  }

  /** Closes the session and forgets it (after a broken connection or a revoked grant). */
  async discard(session: McpSession): Promise<void> {
    const entry = this.entries.get(session.key);
    if (entry?.session === session) this.entries.delete(session.key);
    this.wake();
    await this.retire(session);
  }

  /** Closes every idle session unused for `idleTimeoutMs`; returns how many. */
  async closeIdle(): Promise<number> {
    const now = this.options.clock.now();
    const idle: McpSession[] = [];
    for (const [key, entry] of this.entries) {
      const session = entry.session;
      if (session && session.active === 0 && now - session.lastUsedAt >= this.options.idleTimeoutMs) {
        this.entries.delete(key);
        idle.push(session);
      }
    }
    await Promise.all(idle.map((session) => session.close()));
    if (this.entries.size === 0) this.stopSweeper();
    return idle.length;
  }

  /** Closes every session, in use or not; later calls fail with `BackendUnavailableError`. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopSweeper();
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) if (!entry.session) entry.abort.abort();
    this.wake();
    const sessions = await Promise.all(entries.map((entry) => entry.opening.catch(() => undefined)));
    await Promise.all(
      [...sessions, ...this.retired].map((session) => session?.close().catch(() => undefined)),
    );
    this.retired.clear();
  }

  /** The opening, or `AbortedError` as soon as this caller's signal fires (others may still wait for it). */
  private waitFor(opening: Promise<McpSession>, signal: AbortSignal | undefined): Promise<McpSession> {
    if (!signal) return opening;
    const aborted = () =>
      new AbortedError('the MCP call was aborted while its session opened', {
        driver: this.options.driver,
      });
    if (signal.aborted) return Promise.reject(aborted());
    return new Promise<McpSession>((resolve, reject) => {
      const onAbort = () => reject(aborted());
      signal.addEventListener('abort', onAbort, { once: true });
      opening.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async retire(session: McpSession): Promise<void> {
    if (session.active === 0) await session.close();
    else this.retired.add(session);
  }

  /** True when there is room for one more session (the least recently used idle one is closed if needed). */
  private makeRoom(): boolean {
    if (this.entries.size < this.options.maxSessions) return true;
    for (const [key, entry] of this.entries) {
      if (entry.session && entry.session.active === 0) {
        this.entries.delete(key);
        void entry.session.close();
        return true;
      }
    }
    return false;
  }

  /** Resolves when a session may have freed; fails at `waitUntil`, on abort, or when too many wait. */
  private waitForRoom(waitUntil: number, signal: AbortSignal | undefined): Promise<void> {
    const full = () =>
      new BackendUnavailableError(
        `all ${this.options.maxSessions} MCP sessions are in use; try again shortly`,
        {
          driver: this.options.driver,
        },
      );
    const remaining = waitUntil - this.options.clock.now();
    if (remaining <= 0 || this.waiters.size >= MAX_WAITERS) return Promise.reject(full());
    if (signal?.aborted) {
      return Promise.reject(new AbortedError('the MCP call was aborted', { driver: this.options.driver }));
    }
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(wakeUp);
        if (error) reject(error);
        else resolve();
      };
      const wakeUp = () => settle();
      const onAbort = () =>
        settle(new AbortedError('the MCP call was aborted', { driver: this.options.driver }));
      // The wait itself is the bound (an injected clock may stand still).
      const timer = setTimeout(() => settle(full()), remaining);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(wakeUp);
    });
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    const every = Math.max(Math.min(this.options.idleTimeoutMs, 60_000), 1_000);
    this.sweeper = setInterval(() => void this.closeIdle().catch(() => undefined), every);
    // Idle sessions must not keep the process alive.
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
