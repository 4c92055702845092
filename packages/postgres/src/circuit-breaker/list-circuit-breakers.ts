import { type Discovery, type DiscoveryOptions } from '@tristack/core';
import { DEFAULT_DISCOVERY_LIMIT } from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { runStatement, statement } from '../internal/sql.js';

/** The names of every breaker with live state in `<schema>.circuit_breaker`, sorted. */
export async function listCircuitBreakers(
  pool: Pool,
  schema: string,
  options: DiscoveryOptions = {},
): Promise<Discovery<string>> {
  const limit = options.limit ?? DEFAULT_DISCOVERY_LIMIT;
  const rows = await runStatement<{ name: string }>(
    pool,
    statement(
      'circuit-breaker.list',
      schema,
      (s) => `SELECT name FROM ${s}.circuit_breaker WHERE expires_at > clock_timestamp()
        ORDER BY name COLLATE "C" LIMIT $1`,
    ),
    [limit + 1],
  );
  return {
    found: rows.slice(0, limit).map((row) => row.name),
    undecodable: [],
    truncated: rows.length > limit,
  };
}
