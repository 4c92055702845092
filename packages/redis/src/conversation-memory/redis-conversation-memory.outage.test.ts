import { BackendUnavailableError } from '@tristack/core';
import {
  currentServer,
  recordingConnection,
  spawnRedisServer,
  type SpawnedServer,
} from '@tristack/testing/redis';
import { eventually, restartableServerCommand } from '@tristack/testing/fleet';
import { createClient, type RedisClientType } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisConversationMemory } from './redis-conversation-memory.js';

const kind = currentServer().kind;
const command = restartableServerCommand();

async function connect(url: string, offlineQueue: boolean): Promise<RedisClientType> {
  const client = createClient({
    url,
    disableOfflineQueue: !offlineQueue,
    socket: { reconnectStrategy: () => 50, connectTimeout: 1_000 },
  }) as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  return client;
}

describe.runIf(command)(`RedisConversationMemory when ${kind} restarts mid-test`, () => {
  it('surfaces BackendUnavailableError during the outage and recovers after the restart', async () => {
    let server: SpawnedServer | undefined = await spawnRedisServer(command!);
    const failFast = await connect(server.url, false);
    const queued = await connect(server.url, true);
    try {
      const connection = recordingConnection(failFast);
      const memory = new RedisConversationMemory({ client: connection });
      const patientConnection = recordingConnection(queued);
      const patient = new RedisConversationMemory({ client: patientConnection });
      const address = { userId: 'u', conversationId: 'c' };
      await memory.append(address, [{ role: 'user', content: 'before' }]);

      await server.stop();
      const port = server.port;
      server = undefined;
      const failure = await memory
        .append(address, [{ role: 'user', content: 'during' }])
        .catch((error) => error);
      expect(failure).toBeInstanceOf(BackendUnavailableError);
      expect(failure.code).toBe('BACKEND_UNAVAILABLE');
      await expect(memory.read(address)).rejects.toBeInstanceOf(BackendUnavailableError);
      // A client with the offline queue (node-redis' default) holds the call until Redis is back.
      patientConnection.clear();
      const held = patient.append(address, [{ role: 'user', content: 'queued' }]);

      server = await spawnRedisServer(command!, [], { port });
      // The restarted server is empty (no persistence) and has no scripts cached: the driver
      // reloads them with EVAL after NOSCRIPT, transparently.
      expect(await held).toHaveLength(1);
      expect(patientConnection.names()).toEqual(['EVALSHA', 'EVAL']);
      // The fail-fast client reconnects by itself.
      await eventually(() => memory.append(address, [{ role: 'user', content: 'after' }]));
      expect((await memory.read(address)).map((message) => message.content)).toEqual(['queued', 'after']);
    } finally {
      await Promise.all([failFast, queued].map((client) => client.isOpen && client.close().catch(() => {})));
      await server?.stop();
    }
  }, 30_000);
});
