import { TristackError } from '@tristack/core';
import type { RedisConnection } from '@tristack/core/driver-kit';

/** Where the semantic tier's vectors live. */
export type VectorBackend = 'vector-sets' | 'redisearch' | 'none';

export interface VectorBackendChoice {
  backend: VectorBackend;
  /** Why the semantic tier is off (backend 'none'). */
  reason?: string;
}

async function hasCommand(connection: RedisConnection, name: string): Promise<boolean> {
  const reply = await connection.sendCommand(['COMMAND', 'INFO', name]);
  return Array.isArray(reply) && reply.length > 0 && reply[0] !== null && reply[0] !== undefined;
}

async function describeServer(connection: RedisConnection): Promise<string> {
  const info = String(await connection.sendCommand(['INFO', 'server']));
  const valkey = /valkey_version:([\d.]+)/.exec(info)?.[1];
  return valkey
    ? `Valkey ${valkey}`
    : `Redis ${/redis_version:([\d.]+)/.exec(info)?.[1] ?? '(unknown version)'}`;
}

/**
 * Picks the vector backend from the server's commands (COMMAND INFO, so it also works where
 * MODULE LIST is not allowed): Vector Sets (Redis ≥ 8) first, then the search module (FT.SEARCH:
 * Redis Stack, Redis Cloud, Redis 8 builds with the query engine), else none. An explicit choice is
 * checked, and refused with UNSUPPORTED when the server lacks it.
 */
export async function detectVectorBackend(
  connection: RedisConnection,
  requested: VectorBackend | 'auto',
): Promise<VectorBackendChoice> {
  if (requested === 'none') return { backend: 'none', reason: 'vectorBackend: none was chosen' };
  const [vectorSets, search] = await Promise.all([
    requested === 'redisearch' ? false : hasCommand(connection, 'VSIM'),
    requested === 'vector-sets' ? false : hasCommand(connection, 'FT.SEARCH'),
  ]);
  if (vectorSets) return { backend: 'vector-sets' };
  if (search) return { backend: 'redisearch' };
  const server = await describeServer(connection);
  if (requested !== 'auto') {
    const needs =
      requested === 'vector-sets'
        ? 'Vector Sets (VADD/VSIM, Redis >= 8)'
        : 'the search module (FT.CREATE/FT.SEARCH: Redis Stack, Redis Cloud, or a Redis 8 build with the query engine)';
    throw new TristackError(
      'UNSUPPORTED',
      `vectorBackend '${requested}' needs ${needs}; ${server} does not have it`,
      {
        driver: 'redis',
        details: { server },
      },
    );
  }
  return {
    backend: 'none',
    reason:
      `${server} has neither Vector Sets (Redis >= 8) nor the search module: only the exact tier runs; ` +
      `semantic lookups miss`,
  };
}
