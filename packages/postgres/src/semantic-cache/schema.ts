import type { PostgresSchemaPart } from '../internal/schema-part.js';
import { FUNCTION_SEARCH_PATH } from '../internal/function-settings.js';

/**
 * The semantic cache's tables and functions, version 1 (`s` is the quoted schema): the exact
 * tier only. Unlogged: a cache may lose its entries and counters in a server crash by design
 * (the next requests go to the model and refill it). Entries are keyed by cache name, tenant and
 * the request's hash (`entryId`, which covers every scope id), so no lookup reaches another
 * tenant's or user's entry. `sweepExpired` deletes expired entries; reads ignore them before that.
 */
function semanticCacheV1(s: string): string[] {
  return [
    `CREATE UNLOGGED TABLE ${s}.semantic_cache_entries (
      cache_name text COLLATE "C" NOT NULL,
      tenant text COLLATE "C" NOT NULL,
      entry_id text COLLATE "C" NOT NULL,
      scope_digest text NOT NULL,
      model text NOT NULL,
      tags jsonb NOT NULL,
      response text NOT NULL,
      tokens bigint NOT NULL,
      cost_usd double precision NOT NULL,
      created_ms bigint NOT NULL,
      ttl_ms bigint NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (cache_name, tenant, entry_id)
    )`,
    `CREATE INDEX semantic_cache_entries_expires ON ${s}.semantic_cache_entries (expires_at)`,
    // The tenant's counters, shared by every instance (misses = lookups - hits).
    `CREATE UNLOGGED TABLE ${s}.semantic_cache_stats (
      cache_name text COLLATE "C" NOT NULL,
      tenant text COLLATE "C" NOT NULL,
      lookups bigint NOT NULL DEFAULT 0,
      exact_hits bigint NOT NULL DEFAULT 0,
      stores bigint NOT NULL DEFAULT 0,
      tokens_saved bigint NOT NULL DEFAULT 0,
      cost_saved_usd double precision NOT NULL DEFAULT 0,
      PRIMARY KEY (cache_name, tenant)
    )`,
    `CREATE FUNCTION ${s}.semantic_cache_now() RETURNS bigint LANGUAGE sql VOLATILE ${FUNCTION_SEARCH_PATH} AS
       $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint $$`,
    // The exact tier's lookup: the live entry (its TTL restarted when p_refresh), the lookup and
    // the hit counted in the tenant's counters, in one call.
    `CREATE FUNCTION ${s}.semantic_cache_find_exact(p_cache text, p_tenant text, p_entry text, p_refresh boolean)
     RETURNS TABLE (response text, age_ms bigint, tokens bigint, cost_usd double precision)
     LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     #variable_conflict use_column
     DECLARE
       now_ms bigint := ${s}.semantic_cache_now();
       entry_response text;
       entry_age bigint;
       entry_tokens bigint;
       entry_cost double precision;
       hit boolean;
     BEGIN
       UPDATE ${s}.semantic_cache_entries e
          SET expires_at = CASE WHEN p_refresh THEN clock_timestamp() + e.ttl_ms * interval '1 millisecond'
                                ELSE e.expires_at END
        WHERE e.cache_name = p_cache AND e.tenant = p_tenant AND e.entry_id = p_entry
          AND e.expires_at > clock_timestamp()
       RETURNING e.response, now_ms - e.created_ms AS age_ms, e.tokens, e.cost_usd
         INTO entry_response, entry_age, entry_tokens, entry_cost;
       hit := FOUND;
       INSERT INTO ${s}.semantic_cache_stats AS c (cache_name, tenant, lookups, exact_hits, tokens_saved, cost_saved_usd)
       VALUES (p_cache, p_tenant, 1, CASE WHEN hit THEN 1 ELSE 0 END,
         coalesce(entry_tokens, 0), coalesce(entry_cost, 0))
       ON CONFLICT (cache_name, tenant) DO UPDATE SET lookups = c.lookups + 1,
         exact_hits = c.exact_hits + excluded.exact_hits, tokens_saved = c.tokens_saved + excluded.tokens_saved,
         cost_saved_usd = c.cost_saved_usd + excluded.cost_saved_usd;
       IF hit THEN
         RETURN QUERY SELECT entry_response, entry_age, entry_tokens, entry_cost;
       END IF;
     END $$`,
    `CREATE FUNCTION ${s}.semantic_cache_write(
       p_cache text, p_tenant text, p_entry text, p_scope text, p_model text, p_tags jsonb, p_response text,
       p_tokens bigint, p_cost double precision, p_ttl_ms bigint)
     RETURNS void LANGUAGE sql ${FUNCTION_SEARCH_PATH} AS $$
       INSERT INTO ${s}.semantic_cache_entries AS e (cache_name, tenant, entry_id, scope_digest, model, tags,
         response, tokens, cost_usd, created_ms, ttl_ms, expires_at)
       VALUES (p_cache, p_tenant, p_entry, p_scope, p_model, p_tags, p_response, p_tokens, p_cost,
         ${s}.semantic_cache_now(), p_ttl_ms, clock_timestamp() + p_ttl_ms * interval '1 millisecond')
       ON CONFLICT (cache_name, tenant, entry_id) DO UPDATE SET scope_digest = excluded.scope_digest,
         model = excluded.model, tags = excluded.tags, response = excluded.response, tokens = excluded.tokens,
         cost_usd = excluded.cost_usd, created_ms = excluded.created_ms, ttl_ms = excluded.ttl_ms,
         expires_at = excluded.expires_at;
       INSERT INTO ${s}.semantic_cache_stats AS c (cache_name, tenant, stores) VALUES (p_cache, p_tenant, 1)
       ON CONFLICT (cache_name, tenant) DO UPDATE SET stores = c.stores + 1;
     $$`,
  ];
}

export const semanticCacheSchema: PostgresSchemaPart = {
  primitive: 'semantic-cache',
  versions: [semanticCacheV1],
  expiring: [{ table: 'semantic_cache_entries', column: 'expires_at' }],
};
