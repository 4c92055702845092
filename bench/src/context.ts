import { execFileSync } from 'node:child_process';
import { createClient, type RedisClientType } from 'redis';
import { findServerSource, spawnRedisServer } from '@tristack/testing/redis';
import type { Case, RunOptions } from './runner.js';

export interface BenchContext {
  /** A connected client on the run's server (REDIS_URL, else a spawned redis-server). */
  client: RedisClientType;
  url: string;
  options: RunOptions;
  /** The floor every row is divided by: one raw node-redis round trip (PING). */
  floor: Case;
  /**
   * Runs `redis-benchmark` against the run's server and returns its requests/s, or undefined
   * when the binary is missing. Use it where a Lua script's own cost matters.
   */
  redisBenchmark(args: readonly string[], requests?: number): number | undefined;
  newClient(): Promise<RedisClientType>;
}

export async function createContext(
  options: RunOptions,
): Promise<{ context: BenchContext; close(): Promise<void> }> {
  const source = findServerSource('default');
  let url = source?.url;
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    const server = await spawnRedisServer(source?.command ?? 'redis-server');
    url = server.url;
    stop = server.stop;
  }
  const clients: RedisClientType[] = [];
  const newClient = async () => {
    const client = createClient({ url }) as RedisClientType;
    client.on('error', () => {});
    await client.connect();
    clients.push(client);
    return client;
  };
  const client = await newClient();
  const { hostname, port } = new URL(url);
  const context: BenchContext = {
    client,
    url,
    options,
    floor: { name: 'floor: node-redis PING round trip', run: () => client.ping() },
    newClient,
    redisBenchmark(args, requests = 20_000) {
      try {
        const out = execFileSync(
          'redis-benchmark',
          [
            '-h',
            hostname,
            '-p',
            port,
            '-n',
            String(requests),
            '-c',
            String(options.concurrency),
            '-q',
            ...args,
          ],
          { encoding: 'utf8', timeout: 60_000 },
        );
        const match = /([\d.]+) requests per second/.exec(out);
        return match ? Number(match[1]) : undefined;
      } catch {
        return undefined;
      }
    },
  };
  return {
    context,
    close: async () => {
      await Promise.all(clients.map((each) => each.close()));
      await stop?.();
    },
  };
}
