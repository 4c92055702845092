/**
 * Vitest global setup: starts the Redis servers of the run once and hands their URLs to every
 * worker. Kinds come from TRISTACK_TEST_SERVER_KINDS (default: `default,cluster`).
 *
 *   test: { globalSetup: ['@tristack/testing/redis-global-setup'] }
 */
import type { RedisServerKind } from '../redis/server-kinds.js';
import { describeServers, SERVERS_ENV, startServers } from '../redis/servers.js';

let stopServers: (() => Promise<void>) | undefined;

export async function setup(): Promise<void> {
  if (process.env[SERVERS_ENV]) return; // started already by an outer setup of this run
  const kinds = (process.env.TRISTACK_TEST_SERVER_KINDS ?? 'default,cluster')
    .split(',')
    .map((kind) => kind.trim())
    .filter(Boolean) as (RedisServerKind | 'cluster')[];
  const { running, stop } = await startServers(kinds);
  stopServers = stop;
  process.env[SERVERS_ENV] = JSON.stringify(running);
  for (const line of describeServers(running)) console.log(`[tristack] ${line}`);
}

export async function teardown(): Promise<void> {
  await stopServers?.();
  stopServers = undefined;
  delete process.env[SERVERS_ENV];
}
