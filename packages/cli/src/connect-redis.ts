import type { RedisClientInput } from '@tristack/redis';
import { createClient, createCluster } from 'redis';

export interface RedisTarget {
  /** One URL, or with `cluster` a comma-separated list of seed nodes. */
  url: string;
  cluster: boolean;
}

export interface ConnectedRedis {
  client: RedisClientInput;
  close(): Promise<void>;
}

/** Connects without retrying: an inspection tool should say at once that Redis is not there. */
export async function connectRedis(target: RedisTarget): Promise<ConnectedRedis> {
  const socket = { connectTimeout: 5_000, reconnectStrategy: false as const };
  const client = target.cluster
    ? createCluster({
        rootNodes: target.url.split(',').map((url) => ({ url: url.trim() })),
        defaults: { socket },
      })
    : createClient({ url: target.url, socket });
  let lastError: unknown;
  client.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to ${target.url}: ${(error as Error)?.message ?? String(lastError)}`, {
      cause: error,
    });
  }
  return {
    client: client as unknown as RedisClientInput,
    close: async () => {
      try {
        await client.close();
      } catch {
        // Already gone.
      }
    },
  };
}
