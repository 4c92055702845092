import { BackendUnavailableError, LeaseLostError } from '@tristack/core';
import { currentServer, spawnRedisServer, type SpawnedServer } from '@tristack/testing/redis';
import { eventually, restartableServerCommand } from '@tristack/testing/fleet';
import { createClient, type RedisClientType } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisConversationLease } from './redis-conversation-lease.js';

const kind = currentServer().kind;
const command = restartableServerCommand();

describe.runIf(command)(`RedisConversationLease when ${kind} restarts mid-test`, () => {
  it('fails typed during the outage, drops a lease it could not renew, and recovers with higher tokens', async () => {
    let server: SpawnedServer | undefined = await spawnRedisServer(command!);
    const client = createClient({
      url: server.url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: () => 50, connectTimeout: 1_000 },
    }) as RedisClientType;
    client.on('error', () => {});
    await client.connect();
    try {
      const leases = new RedisConversationLease({ client });
      const lease = await leases.acquire('r', { ttlMs: 300 });
      const heartbeat = leases.keepAlive(lease, { renewIntervalMs: 50 });

      await server.stop();
      const port = server.port;
      server = undefined;
      await expect(leases.acquire('other')).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(leases.assertFence('r', lease.fencingToken)).rejects.toBeInstanceOf(
        BackendUnavailableError,
      );
      // Renewals keep failing; once the TTL is over the holder must assume someone else may hold it.
      await eventually(() => expect(heartbeat.signal.aborted).toBe(true));
      expect(heartbeat.signal.reason).toBeInstanceOf(LeaseLostError);
      expect((heartbeat.signal.reason as LeaseLostError).cause).toBeInstanceOf(BackendUnavailableError);
      await heartbeat.stop();

      server = await spawnRedisServer(command!, [], { port });
      // The new server starts empty; fencing tokens still rise (they are at least the server's ms).
      const next = await eventually(() => leases.acquire('r'));
      expect(next.fencingToken).toBeGreaterThan(lease.fencingToken);
      await leases.assertFence('r', next.fencingToken);
    } finally {
      if (client.isOpen) await client.close().catch(() => {});
      await server?.stop();
    }
  }, 30_000);
});
