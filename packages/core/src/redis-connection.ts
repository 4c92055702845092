/**
 * The minimum a Redis driver needs from a client, so drivers can accept node-redis clients,
 * clusters, or any wrapper (a Valkey client, a tracing proxy) that speaks RESP commands.
 * `@tristack/redis` adapts node-redis clients and clusters to it.
 */
export type RedisArgument = string | Buffer;

export interface RedisCommandOptions {
  /** A key the command touches: routes the command to its slot on a cluster. */
  key?: RedisArgument;
  /** True when the command only reads (may go to a replica). */
  readonly?: boolean;
}

export interface RedisConnection {
  /** Sends one command and resolves with its raw reply. */
  sendCommand(args: readonly RedisArgument[], options?: RedisCommandOptions): Promise<unknown>;
  /**
   * A second connection with the same settings, for blocking commands (XREAD BLOCK, BLPOP)
   * and subscriptions that must not stall the shared connection. The caller closes it.
   */
  duplicate?(): Promise<RedisConnection & { close(): Promise<void> }>;
}
