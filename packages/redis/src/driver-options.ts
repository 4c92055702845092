import { InvalidOptionsError } from '@tristack/core';
import type { RedisClientInput } from './connection.js';
import { DEFAULT_KEY_PREFIX } from './keys.js';

/** Options every Redis driver takes besides its primitive's own. */
export interface RedisDriverOptions {
  /** A connected node-redis client or cluster, or any `RedisConnection`. Never closed by the driver. */
  client: RedisClientInput;
  /**
   * First segment of every key the driver writes.
   * @default 'tristack'
   */
  prefix?: string;
}

const PREFIX_PATTERN = /^[^\s{}:]{1,64}$/;

/**
 * Splits a Redis driver's options into its client, its validated key prefix and the rest (the
 * primitive's options, for the core schema). Throws `InvalidOptionsError`.
 */
export function splitRedisDriverOptions<Options extends RedisDriverOptions>(
  options: Options,
  what: string,
): { client: RedisClientInput; prefix: string; rest: Omit<Options, 'client' | 'prefix'> } {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError(`invalid ${what} options: expected an object`, { driver: 'redis' });
  const { client, prefix = DEFAULT_KEY_PREFIX, ...rest } = options;
  if (typeof client !== 'object' || client === null || typeof client.sendCommand !== 'function')
    throw new InvalidOptionsError(`invalid ${what} options: client: expected a Redis client`, {
      driver: 'redis',
    });
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix))
    throw new InvalidOptionsError(
      `invalid ${what} options: prefix: 1-64 characters without whitespace, braces or colons`,
      { driver: 'redis' },
    );
  return { client, prefix, rest };
}
