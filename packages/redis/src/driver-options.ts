import { InvalidOptionsError } from '@tristack/core';
import type { RedisClientInput } from './connection.js';
import { DEFAULT_KEY_PREFIX } from './keys.js';

/** Options every Redis driver (and every Redis-backed adapter) takes besides its primitive's own. */
export interface RedisDriverOptions {
  /** A connected node-redis client or cluster, or any `RedisConnection`. Never closed by the driver or adapter. */
  client: RedisClientInput;
  /**
   * First segment of every key the driver writes.
   * @default 'tristack'
   */
  prefix?: string;
}

/**
 * A valid key prefix. It is written into keys as is: it must not open a hash tag (braces), add a
 * segment (`:`), glob (`*?[]\\`) or hold whitespace or non-ASCII text, so the CLI and SCAN patterns
 * read it back.
 */
export const KEY_PREFIX_PATTERN = /^[A-Za-z0-9\-._~@+]{1,64}$/;
/** `KEY_PREFIX_PATTERN` in words, for error messages. */
export const KEY_PREFIX_RULE =
  '1-64 characters from A-Z a-z 0-9 - . _ ~ @ + (no whitespace, braces, colons or glob characters)';

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
  if (typeof prefix !== 'string' || !KEY_PREFIX_PATTERN.test(prefix))
    throw new InvalidOptionsError(`invalid ${what} options: prefix: ${KEY_PREFIX_RULE}`, { driver: 'redis' });
  return { client, prefix, rest };
}
