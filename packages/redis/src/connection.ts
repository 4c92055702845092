import type { RedisArgument, RedisCommandOptions, RedisConnection } from '@tristack/core/driver-kit';
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

/**
 * A connected ioredis `Redis` or `Cluster` (`new Redis()`, `new Cluster()`), structurally. Commands
 * go through `call` with upper-case names, which ioredis sends as they are, with no reply
 * transformer (its lower-case `hgetall` would turn the reply into an object).
 */
export interface IoRedisClientLike {
  call(command: string, ...args: RedisArgument[]): Promise<unknown>;
  /** ioredis' internal `sendCommand(command: Command)`: present, so the client passes the option checks; never called. */
  sendCommand(command: never, stream?: never): unknown;
  duplicate(): IoRedisClientLike & { quit(): Promise<unknown>; disconnect(): void };
  readonly status: string;
  /** True on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
}

/**
 * What a Redis driver accepts: a node-redis client or cluster, an ioredis client or cluster, or any
 * `RedisConnection`.
 */
export type RedisClientInput =
  NodeRedisClientLike | NodeRedisClusterLike | IoRedisClientLike | RedisConnection;

/** How `toRedisConnection` sends commands. */
export interface RedisConnectionSettings {
  /**
   * The caller keeps its own deadline: skip node-redis's per-command timeout (an AbortSignal
   * timer per command, 5 s by default), which would only duplicate it.
   */
  ownDeadline?: boolean;
}

const adapted = Symbol.for('tristack.redis-connection');
/** The node-redis cluster behind an adapted connection: a SCAN must visit each of its masters. */
export const clusterOf = Symbol.for('tristack.redis-cluster');

function isCluster(client: RedisClientInput): client is NodeRedisClusterLike {
  return typeof (client as NodeRedisClusterLike).getSlotRandomNode === 'function';
}

function isIoRedis(client: RedisClientInput): client is IoRedisClientLike {
  return (
    typeof (client as IoRedisClientLike).call === 'function' &&
    typeof (client as IoRedisClientLike).status === 'string'
  );
}

/** True for a node-redis or ioredis cluster client: keys of one call must then share a slot. */
export function isClusterClient(client: unknown): boolean {
  if (typeof client !== 'object' || client === null) return false;
  return isCluster(client as RedisClientInput) || (client as IoRedisClientLike).isCluster === true;
}

function isNodeRedisClient(client: RedisClientInput): client is NodeRedisClientLike {
  return 'isOpen' in client && typeof (client as NodeRedisClientLike).duplicate === 'function';
}

/** True for an error the server replied with (wrong type, NOSCRIPT, a script's redis.error_reply). */
export function isServerReplyError(error: unknown): error is Error {
  // node-redis raises subclasses of ErrorReply (SimpleError, BlobError), ioredis a ReplyError; match by the prototype
  // chain's names so a second copy of node-redis in the tree is recognised too.
  for (
    let proto = error instanceof Error ? Object.getPrototypeOf(error) : null;
    proto;
    proto = Object.getPrototypeOf(proto)
  ) {
    // ioredis: ReplyError (from redis-errors).
    const name = proto.constructor?.name;
    if (name === 'ErrorReply' || name === 'ReplyError') return true;
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

/** node-redis command options that turn its per-command timeout off (see `ownDeadline`). */
const WITHOUT_CLIENT_TIMEOUT = Object.freeze({ timeout: undefined });

/**
 * Adapts a node-redis or ioredis client or cluster to `RedisConnection`. Transport failures become
 * `BackendUnavailableError` naming `driver`; server error replies pass through unchanged.
 */
export function toRedisConnection(
  client: RedisClientInput,
  driver = 'redis',
  settings: RedisConnectionSettings = {},
): RedisConnection {
  if ((client as { [adapted]?: true })[adapted]) return client as RedisConnection;
  const commandOptions = settings.ownDeadline ? WITHOUT_CLIENT_TIMEOUT : undefined;
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
    send = (args, options) => client.sendCommand(options?.key, options?.readonly, args, commandOptions);
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
  } else if (isIoRedis(client)) {
    // `call` routes a cluster command by its keys itself.
    send = (args) => client.call.apply(client, args as [string, ...RedisArgument[]]);
    duplicate = async () => {
      const copy = client.duplicate();
      (copy as { on?(event: 'error', listener: () => void): unknown }).on?.('error', () => {});
      return Object.assign(toRedisConnection(copy, driver), {
        close: async () => {
          try {
            await copy.quit();
          } catch {
            // Already gone.
          }
        },
        destroy: () => copy.disconnect(),
      });
    };
  } else if (isNodeRedisClient(client)) {
    send = commandOptions
      ? (args) => client.sendCommand(args, commandOptions)
      : (args) => client.sendCommand(args);
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
    ...(isCluster(client) ? { [clusterOf]: client } : {}),
    sendCommand: (args, options) => send(args, options).catch(wrapError),
    ...(duplicate ? { duplicate } : {}),
  } as RedisConnection;
}
