import { existsSync } from 'node:fs';
import { createClient } from 'redis';
import { spawnRedisCluster } from './cluster.js';
import { findServerSource, HOW_TO_GET_SERVERS, type RedisServerKind } from './server-kinds.js';
import { spawnRedisServer } from './server-process.js';

/** One server a test run uses, as handed from the global setup to the test workers. */
export interface RunningServer {
  url: string;
  /** 'redis' or 'valkey', from INFO server. */
  server: 'redis' | 'valkey';
  version: string;
  origin: string;
}

export interface RunningServers {
  servers: Partial<Record<RedisServerKind, RunningServer>>;
  cluster?: { urls: string[]; server: 'redis' | 'valkey'; version: string; origin: string };
  /** Why a requested kind is missing: printed by the run, never a silent pass. */
  missing: Partial<Record<RedisServerKind | 'cluster', string>>;
}

/** Environment variable through which the global setup hands `RunningServers` to the workers. */
export const SERVERS_ENV = 'TRISTACK_TEST_REDIS_SERVERS';

export async function readServerInfo(url: string): Promise<{ server: 'redis' | 'valkey'; version: string }> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
  try {
    const info = String(await client.sendCommand(['INFO', 'server']));
    const valkey = /valkey_version:([\d.]+)/.exec(info)?.[1];
    const redis = /redis_version:([\d.]+)/.exec(info)?.[1] ?? '0.0.0';
    return valkey ? { server: 'valkey', version: valkey } : { server: 'redis', version: redis };
  } finally {
    await client.close();
  }
}

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function startWithTestcontainers(image: string): Promise<{ url: string; stop(): Promise<void> }> {
  const { GenericContainer } = await import('testcontainers');
  const container = await new GenericContainer(image).withExposedPorts(6379).start();
  return {
    url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * Starts (or finds) every requested server once per run. Order per kind: URL env var, a server
 * command, testcontainers where a Docker engine is reachable; the default kind fails loudly
 * otherwise, optional kinds are reported as missing.
 */
export async function startServers(
  kinds: readonly (RedisServerKind | 'cluster')[],
): Promise<{ running: RunningServers; stop(): Promise<void> }> {
  const stops: (() => Promise<void>)[] = [];
  const running: RunningServers = { servers: {}, missing: {} };
  const stop = async () => {
    await Promise.all(stops.map((fn) => fn().catch(() => {})));
  };
  try {
    for (const kind of kinds) {
      if (kind === 'cluster') continue;
      const source = findServerSource(kind);
      if (!source) {
        running.missing[kind] = `no ${kind} server found; ${HOW_TO_GET_SERVERS}`;
        continue;
      }
      let url = source.url;
      let origin = source.origin;
      if (!url && source.command) {
        try {
          const spawned = await spawnRedisServer(source.command);
          stops.push(spawned.stop);
          url = spawned.url;
        } catch (error) {
          if (kind === 'default' && dockerReachable()) {
            const container = await startWithTestcontainers('redis:7');
            stops.push(container.stop);
            url = container.url;
            origin = 'testcontainers redis:7';
          } else if (kind === 'default') {
            throw new Error(
              `${(error as Error).message}\n[tristack] [harness] to get a server: ${HOW_TO_GET_SERVERS}`,
            );
          } else {
            running.missing[kind] = `${(error as Error).message.split('\n')[0]}; ${HOW_TO_GET_SERVERS}`;
            continue;
          }
        }
      }
      running.servers[kind] = { url: url!, origin, ...(await readServerInfo(url!)) };
    }
    if (kinds.includes('cluster')) {
      const urls = process.env.REDIS_CLUSTER_URLS?.split(',')
        .map((url) => url.trim())
        .filter(Boolean);
      if (urls?.length) {
        running.cluster = { urls, origin: 'REDIS_CLUSTER_URLS', ...(await readServerInfo(urls[0]!)) };
      } else {
        const source = findServerSource('default');
        if (source?.command) {
          const cluster = await spawnRedisCluster(source.command);
          stops.push(cluster.stop);
          running.cluster = {
            urls: cluster.urls,
            origin: `3 masters of ${source.origin}`,
            ...(await readServerInfo(cluster.urls[0]!)),
          };
        } else {
          running.missing.cluster = `REDIS_URL is set but REDIS_CLUSTER_URLS is not, and no server command to build a cluster from`;
        }
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { running, stop };
}

export function describeServers(running: RunningServers): string[] {
  const lines = Object.entries(running.servers).map(
    ([kind, server]) => `${kind}: ${server.server} ${server.version} at ${server.url} (${server.origin})`,
  );
  if (running.cluster)
    lines.push(
      `cluster: ${running.cluster.server} ${running.cluster.version}, ${running.cluster.urls.length} masters (${running.cluster.origin})`,
    );
  for (const [kind, why] of Object.entries(running.missing)) lines.push(`${kind}: NOT RUN — ${why}`);
  return lines;
}
