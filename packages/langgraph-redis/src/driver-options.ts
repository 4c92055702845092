import { InvalidOptionsError } from '@tristack/core';
import { DEFAULT_KEY_PREFIX, type RedisClientInput } from '@tristack/redis';
import { z } from 'zod';

/** Options every Redis-backed LangGraph adapter takes. */
export interface RedisAdapterOptions {
  /** A connected node-redis client or cluster, or any `RedisConnection`. Never closed by the adapter. */
  client: RedisClientInput;
  /**
   * First segment of every key the adapter writes.
   * @default 'tristack'
   */
  prefix?: string;
}

export const prefixSchema = z
  .string()
  .regex(/^[^\s{}:]{1,64}$/, '1-64 characters without whitespace, braces or colons');

/** TTL in ms: a positive integer, or undefined for no expiry. */
export const ttlMsSchema = z.number().int().positive().optional();

/** Validates the shared options; throws `InvalidOptionsError` naming `what`. */
export function checkAdapterOptions(options: RedisAdapterOptions, what: string): string {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError(`invalid ${what} options: expected an object`, { driver: 'redis' });
  const { client, prefix = DEFAULT_KEY_PREFIX } = options;
  if (typeof client !== 'object' || client === null || typeof client.sendCommand !== 'function')
    throw new InvalidOptionsError(`invalid ${what} options: client: expected a Redis client`, {
      driver: 'redis',
    });
  if (!prefixSchema.safeParse(prefix).success)
    throw new InvalidOptionsError(
      `invalid ${what} options: prefix: 1-64 characters without whitespace, braces or colons`,
      { driver: 'redis' },
    );
  return prefix;
}
