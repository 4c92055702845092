import { randomBytes } from 'node:crypto';
import { createClient, createCluster, type RedisClientType, type RedisClusterType } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { RedisServerKind } from './server-kinds.js';
import { SERVERS_ENV, type RunningServer, type RunningServers } from './servers.js';
import { compareVersions } from './version.js';

/** Environment variable naming the server kind a Vitest project runs against (set per project). */
export const KIND_ENV = 'TRISTACK_TEST_REDIS_KIND';

function runningServers(): RunningServers {
  const raw = process.env[SERVERS_ENV];
  if (!raw) {
    throw new Error(
      `[tristack] [harness] no Redis servers were started for this run: add '@tristack/testing/redis-global-setup' ` +
        `to Vitest's globalSetup (the repository's vitest.config.ts does)`,
    );
  }
  return JSON.parse(raw) as RunningServers;
}

/** The server this test file runs against (the project's kind, else the default one). */
export function currentServer(): RunningServer & { kind: RedisServerKind } {
  const kind = (process.env[KIND_ENV] as RedisServerKind | undefined) ?? 'default';
  const running = runningServers();
  const server = running.servers[kind];
  if (!server)
    throw new Error(
      `[tristack] [harness] ${kind} server not available: ${running.missing[kind] ?? 'not started'}`,
    );
  return { kind, ...server };
}

/**
 * True when the current server is at least the given version for its flavour. When it is not,
 * prints why, so a gated test never passes silently: `describe.runIf(requiresServer({ redis: '8.0' }, 'Vector Sets'))`.
 */
export function requiresServer(minimum: { redis?: string; valkey?: string }, feature: string): boolean {
  const server = currentServer();
  const needed = minimum[server.server];
  const ok = needed !== undefined && compareVersions(server.version, needed) >= 0;
  if (!ok) {
    const want = Object.entries(minimum)
      .map(([name, version]) => `${name} >= ${version}`)
      .join(' or ');
    console.warn(
      `[tristack] NOT RUN on ${server.kind} (${server.server} ${server.version}): ${feature} needs ${want}`,
    );
  }
  return ok;
}

/** Short random id for keys, channels and stream names private to one test. */
export function uniqueId(label = 't'): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

export interface RedisTestContext {
  /** A connected client on this worker's own logical database, flushed before and after each test. */
  readonly client: RedisClientType;
  readonly url: string;
  /** The database this worker owns on the server. */
  readonly database: number;
  readonly server: RunningServer & { kind: RedisServerKind };
  /** A fresh key prefix per test, for what logical databases don't isolate (pub/sub channels). */
  readonly prefix: string;
  /** A second connected client on the same database (the caller need not close it). */
  newClient(): Promise<RedisClientType>;
}

/**
 * Registers hooks that connect to the run's server, select a logical database owned by this
 * Vitest worker, and FLUSHDB before and after every test. Call once at the top of a test file.
 */
export function useRedis(): RedisTestContext {
  const server = currentServer();
  const poolId = Number(process.env.VITEST_POOL_ID ?? '1');
  // Database 0 is left to people poking at the server by hand; workers take 1..15.
  const database = 1 + ((poolId - 1) % 15);
  const extra: RedisClientType[] = [];
  let client: RedisClientType | undefined;
  let prefix = uniqueId('p');
  const connect = async () => {
    const next = createClient({ url: server.url, database }) as RedisClientType;
    next.on('error', () => {});
    await next.connect();
    return next;
  };
  beforeAll(async () => {
    client = await connect();
  });
  beforeEach(async () => {
    prefix = uniqueId('p');
    await client!.flushDb();
  });
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((other) => (other.isOpen ? other.close() : undefined)));
    if (client?.isOpen) await client.flushDb();
  });
  afterAll(async () => {
    if (client?.isOpen) await client.close();
  });
  return {
    get client() {
      if (!client) throw new Error('[tristack] [harness] useRedis().client is available inside tests only');
      return client;
    },
    url: server.url,
    database,
    server,
    get prefix() {
      return prefix;
    },
    async newClient() {
      const other = await connect();
      extra.push(other);
      return other;
    },
  };
}

export interface RedisClusterTestContext {
  readonly cluster: RedisClusterType;
  readonly urls: readonly string[];
  /** A fresh hash-tag-free key prefix per test; keys under it are deleted after the test. */
  readonly prefix: string;
}

/** Connects a node-redis cluster client to the run's cluster; deletes this test's keys after each test. */
export function useRedisCluster(): RedisClusterTestContext {
  const running = runningServers();
  if (!running.cluster)
    throw new Error(
      `[tristack] [harness] cluster not available: ${running.missing.cluster ?? 'not started'}`,
    );
  const urls = running.cluster.urls;
  let cluster: RedisClusterType | undefined;
  let prefix = uniqueId('c');
  beforeAll(async () => {
    cluster = createCluster({ rootNodes: urls.map((url) => ({ url })) }) as RedisClusterType;
    cluster.on('error', () => {});
    await cluster.connect();
  });
  beforeEach(() => {
    prefix = uniqueId('c');
  });
  afterEach(async () => {
    for (const master of cluster!.masters) {
      const node = await cluster!.nodeClient(master);
      for await (const keys of node.scanIterator({ MATCH: `*${prefix}*`, COUNT: 1000 })) {
        if (keys.length) await Promise.all(keys.map((key) => cluster!.del(key)));
      }
    }
  });
  afterAll(async () => {
    await cluster?.close();
  });
  return {
    get cluster() {
      if (!cluster)
        throw new Error('[tristack] [harness] useRedisCluster().cluster is available inside tests only');
      return cluster;
    },
    urls,
    get prefix() {
      return prefix;
    },
  };
}
