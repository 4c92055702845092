import type { RedisArgument, RedisCommandOptions, RedisConnection } from '@tristack/core';
import { BackendUnavailableError, TristackError } from '@tristack/core';

/** A connected node-redis client (`createClient()`), structurally. */
export interface NodeRedisClientLike {
  sendCommand(args: readonly RedisArgument[], options?: object): Promise<unknown>;
  duplicate(): NodeRedisClientLike & {
    connect(): Promise<unknown>;
    close?(): Promise<void>;
    quit?(): Promise<unknown>;
  };
  readonly isOpen: boolean;
}

/** A connected node-redis cluster (`createCluster()`), structurally. */
export interface NodeRedisClusterLike {
  sendCommand(
    firstKey: RedisArgument | undefined,
    isReadonly: boolean | undefined,
    args: readonly RedisArgument[],
    options?: object,
  ): Promise<unknown>;
  duplicate(): NodeRedisClusterLike & {
    connect(): Promise<unknown>;
    close?(): Promise<void>;
    quit?(): Promise<unknown>;
  };
  getSlotRandomNode(slot: number): unknown;
}

/** What a Redis driver accepts: a node-redis client, a node-redis cluster, or any `RedisConnection`. */
export type RedisClientInput = NodeRedisClientLike | NodeRedisClusterLike | RedisConnection;

const adapted = Symbol.for('tristack.redis-connection');

function isCluster(client: RedisClientInput): client is NodeRedisClusterLike {
  return typeof (client as NodeRedisClusterLike).getSlotRandomNode === 'function';
}

function isNodeRedisClient(client: RedisClientInput): client is NodeRedisClientLike {
  return 'isOpen' in client && typeof (client as NodeRedisClientLike).duplicate === 'function';
}

/** True for an error the server replied with (wrong type, NOSCRIPT, a script's redis.error_reply). */
export function isServerReplyError(error: unknown): error is Error {
  // node-redis raises subclasses of ErrorReply (SimpleError, BlobError); match by the prototype
  // chain's names so a second copy of node-redis in the tree is recognised too.
  for (
    let proto = error instanceof Error ? Object.getPrototypeOf(error) : null;
    proto;
    proto = Object.getPrototypeOf(proto)
  ) {
    if (proto.constructor?.name === 'ErrorReply') return true;
  }
  return false;
}

async function closeQuietly(client: { close?(): Promise<void>; quit?(): Promise<unknown> }): Promise<void> {
  try {
    if (client.close) await client.close();
    else await client.quit?.();
  } catch {
    // Closing a connection that already dropped is not an error worth surfacing.
  }
}

/**
 * Adapts a node-redis client or cluster to `RedisConnection`. Transport failures become
 * `BackendUnavailableError` naming `driver`; server error replies pass through unchanged.
 */
export function toRedisConnection(client: RedisClientInput, driver = 'redis'): RedisConnection {
  if ((client as { [adapted]?: true })[adapted]) return client as RedisConnection;
  const wrapError = (error: unknown): never => {
    if (isServerReplyError(error) || TristackError.isInstance(error)) throw error;
    throw new BackendUnavailableError(`Redis command failed: ${(error as Error)?.message ?? String(error)}`, {
      driver,
      cause: error,
    });
  };
  let send: (args: readonly RedisArgument[], options?: RedisCommandOptions) => Promise<unknown>;
  let duplicate: RedisConnection['duplicate'];
  if (isCluster(client)) {
    send = (args, options) => client.sendCommand(options?.key, options?.readonly, args);
    duplicate = async () => {
      const copy = client.duplicate();
      // Without a listener a dropped connection's 'error' event is an uncaught exception; the
      // failure reaches callers as the rejected command instead.
      (copy as { on?(event: 'error', listener: () => void): unknown }).on?.('error', () => {});
      await copy.connect();
      return Object.assign(toRedisConnection(copy, driver), {
        close: () => closeQuietly(copy),
        // Drops the connection at once, failing a blocking read in flight (close() waits for it).
        destroy: () => (copy as { destroy?(): void }).destroy?.(),
      });
    };
  } else if (isNodeRedisClient(client)) {
    send = (args) => client.sendCommand(args);
    duplicate = async () => {
      const copy = client.duplicate();
      // Without a listener a dropped connection's 'error' event is an uncaught exception; the
      // failure reaches callers as the rejected command instead.
      (copy as { on?(event: 'error', listener: () => void): unknown }).on?.('error', () => {});
      await copy.connect();
      return Object.assign(toRedisConnection(copy, driver), {
        close: () => closeQuietly(copy),
        // Drops the connection at once, failing a blocking read in flight (close() waits for it).
        destroy: () => (copy as { destroy?(): void }).destroy?.(),
      });
    };
  } else {
    const connection = client;
    send = (args, options) => connection.sendCommand(args, options);
    duplicate = connection.duplicate?.bind(connection);
  }
  return {
    [adapted]: true,
    sendCommand: (args, options) => send(args, options).catch(wrapError),
    ...(duplicate ? { duplicate } : {}),
  } as RedisConnection;
}
