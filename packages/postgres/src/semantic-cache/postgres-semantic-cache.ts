import {
  type SemanticCacheInspection,
  type SemanticCacheInspector,
  type SemanticCacheInvalidateFilter,
  type SemanticCacheOptions,
  type SemanticCacheStats,
  type SemanticTierStatus,
  type DiscoveryOptions,
} from '@tristack/core';
import {
  DEFAULT_DISCOVERY_LIMIT,
  SemanticCacheBase,
  type PreparedSemanticCacheRequest as PreparedRequest,
  type SemanticCacheCandidate,
  type SemanticCacheEntryHit,
  type SemanticCacheEntryWrite,
} from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { type PostgresDriverOptions, splitPostgresDriverOptions } from '../driver-options.js';
import { refuseNulText } from '../internal/nul-text.js';
import { runStatement, statement } from '../internal/sql.js';
import { EXACT_TIER_ONLY, detectPostgresVectorSupport } from './detect-vector-support.js';

const DRIVER = 'postgres';

/**
 * Tags travel as one `jsonb` parameter, where `JSON.stringify` hides a U+0000 as `\u0000` from
 * `runStatement`'s check and the server refuses it only once the statement is sent: refuse it here.
 */
function refuseNulTags(tags: Readonly<Record<string, string>> | undefined, what: string): void {
  if (tags) refuseNulText(Object.entries(tags).flat(), `${what} tags`);
}

export interface PostgresSemanticCacheOptions extends SemanticCacheOptions, PostgresDriverOptions {}

interface StatsRow {
  lookups: string;
  exact_hits: string;
  stores: string;
  tokens_saved: string;
  cost_saved_usd: number;
}

const NO_REJECTIONS = {
  number: 0,
  date: 0,
  entity: 0,
  negation: 0,
  direction: 0,
  action: 0,
  scope: 0,
  length: 0,
};

function statsOf(row: StatsRow | undefined): SemanticCacheStats {
  const lookups = Number(row?.lookups ?? 0);
  const exactHits = Number(row?.exact_hits ?? 0);
  return {
    lookups,
    exactHits,
    semanticHits: 0,
    misses: lookups - exactHits,
    stores: Number(row?.stores ?? 0),
    skippedStores: 0,
    tokensSaved: Number(row?.tokens_saved ?? 0),
    costSavedUsd: row?.cost_saved_usd ?? 0,
    guardRejections: { ...NO_REJECTIONS },
    judgeRejections: 0,
  };
}

/**
 * `SemanticCache` on PostgreSQL, exact tier only: an entry per request hash in an unlogged table,
 * found, refreshed and counted with one function call; stored with one. The semantic tier is off
 * (`semanticTier.available` is false, so lookups after an exact miss are plain misses and the
 * embedder is never called): pgvector is not in Debian 12's archive and this driver does not use
 * it yet; `detectPostgresVectorSupport(pool)` says whether the server could. Use the Redis driver,
 * or the in-memory one, for semantic hits.
 */
export class PostgresSemanticCache extends SemanticCacheBase {
  readonly semanticTier: SemanticTierStatus = { available: false, backend: 'none', reason: EXACT_TIER_ONLY };
  private readonly pool: Pool;
  private readonly statements;

  constructor(options: PostgresSemanticCacheOptions) {
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresSemanticCache');
    super(rest, DRIVER, 'PostgresSemanticCache');
    this.pool = pool;
    this.statements = {
      find: statement(
        'semantic-cache.find-exact',
        schema,
        (s) =>
          `SELECT response, age_ms, tokens, cost_usd FROM ${s}.semantic_cache_find_exact($1, $2, $3, $4)`,
      ),
      write: statement(
        'semantic-cache.write',
        schema,
        (s) => `SELECT ${s}.semantic_cache_write($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)`,
      ),
      remove: statement(
        'semantic-cache.remove',
        schema,
        (s) => `WITH gone AS (
                  DELETE FROM ${s}.semantic_cache_entries
                   WHERE cache_name = $1 AND tenant = $2 AND ($3::text IS NULL OR model = $3)
                     AND ($4::jsonb IS NULL OR tags @> $4::jsonb) AND ($5::text[] IS NULL OR entry_id = ANY($5))
                  RETURNING expires_at)
                SELECT count(*) FILTER (WHERE expires_at > clock_timestamp())::integer AS removed FROM gone`,
      ),
      stats: statement(
        'semantic-cache.stats',
        schema,
        (
          s,
        ) => `SELECT lookups, exact_hits, stores, tokens_saved, cost_saved_usd FROM ${s}.semantic_cache_stats
                 WHERE cache_name = $1 AND tenant = $2`,
      ),
      tenants: statement(
        'semantic-cache.tenants',
        schema,
        (s) => `WITH tenants AS (
                  SELECT tenant FROM ${s}.semantic_cache_stats WHERE cache_name = $1
                  UNION SELECT tenant FROM ${s}.semantic_cache_entries
                   WHERE cache_name = $1 AND expires_at > clock_timestamp()
                  ORDER BY tenant LIMIT $2)
                SELECT t.tenant, c.lookups, c.exact_hits, c.stores, c.tokens_saved, c.cost_saved_usd,
                  (SELECT count(*) FROM ${s}.semantic_cache_entries e
                    WHERE e.cache_name = $1 AND e.tenant = t.tenant AND e.expires_at > clock_timestamp())::integer AS entries,
                  (SELECT count(DISTINCT scope_digest) FROM ${s}.semantic_cache_entries e
                    WHERE e.cache_name = $1 AND e.tenant = t.tenant AND e.expires_at > clock_timestamp())::integer AS scopes
                FROM tenants t LEFT JOIN ${s}.semantic_cache_stats c ON c.cache_name = $1 AND c.tenant = t.tenant
                ORDER BY t.tenant`,
      ),
    };
  }

  /** A read-only view of this cache's tenants: live entries, scopes and shared counters. */
  inspector(): SemanticCacheInspector {
    return {
      tenants: async (options: DiscoveryOptions = {}): Promise<SemanticCacheInspection> => {
        const limit = options.limit ?? DEFAULT_DISCOVERY_LIMIT;
        const rows = await runStatement<StatsRow & { tenant: string; entries: number; scopes: number }>(
          this.pool,
          this.statements.tenants,
          [this.options.name, limit + 1],
        );
        const found = rows.slice(0, limit).map((row) => {
          const { skippedStores: _local, ...stats } = statsOf(row.lookups === null ? undefined : row);
          return {
            cache: this.options.name,
            tenant: row.tenant,
            exactEntries: row.entries,
            scopes: row.scopes,
            stats,
          };
        });
        const vector = await detectPostgresVectorSupport(this.pool);
        return {
          found,
          undecodable: [],
          truncated: rows.length > limit,
          vectorBackend: { inUse: 'none', supported: vector.supported, reason: EXACT_TIER_ONLY },
        };
      },
    };
  }

  protected async findExact(
    prepared: PreparedRequest,
    refresh: boolean,
  ): Promise<SemanticCacheEntryHit | undefined> {
    const [row] = await runStatement<{ response: string; age_ms: string; tokens: string; cost_usd: number }>(
      this.pool,
      this.statements.find,
      [this.options.name, prepared.scope.tenant, prepared.entryId, refresh],
    );
    if (!row) return undefined;
    return {
      entryId: prepared.entryId,
      response: JSON.parse(row.response) as SemanticCacheEntryHit['response'],
      ageMs: Number(row.age_ms),
      tokens: Number(row.tokens),
      costUsd: row.cost_usd,
      cosine: 1,
    };
  }

  /** Never called: the semantic tier is off (`semanticTier.available` is false). */
  protected async findCandidates(): Promise<{ candidates: SemanticCacheCandidate[] }> {
    return { candidates: [] };
  }

  /** Never called: the semantic tier is off. */
  protected async confirmCandidate(): Promise<SemanticCacheEntryHit | undefined> {
    return undefined;
  }

  protected async writeEntry(entry: SemanticCacheEntryWrite): Promise<void> {
    const { prepared } = entry;
    refuseNulTags(prepared.scope.tags, 'semantic-cache.write');
    await runStatement(this.pool, this.statements.write, [
      this.options.name,
      prepared.scope.tenant,
      prepared.entryId,
      prepared.scope.digest,
      prepared.scope.model,
      JSON.stringify(prepared.scope.tags),
      JSON.stringify(entry.response),
      entry.tokens,
      entry.costUsd,
      entry.ttlMs,
    ]);
  }

  protected async removeEntries(filter: SemanticCacheInvalidateFilter): Promise<number> {
    refuseNulTags(filter.tags, 'semantic-cache.remove');
    const [row] = await runStatement<{ removed: number }>(this.pool, this.statements.remove, [
      this.options.name,
      filter.tenant,
      filter.model ?? null,
      filter.tags ? JSON.stringify(filter.tags) : null,
      filter.entryIds ? [...filter.entryIds] : null,
    ]);
    return row?.removed ?? 0;
  }

  protected async tenantStats(tenant: string): Promise<SemanticCacheStats> {
    const [row] = await runStatement<StatsRow>(this.pool, this.statements.stats, [this.options.name, tenant]);
    return statsOf(row);
  }
}
