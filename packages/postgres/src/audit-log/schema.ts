import type { PostgresSchemaPart } from '../internal/schema-part.js';
import { FUNCTION_SEARCH_PATH } from '../internal/function-settings.js';

// Key of the database-wide advisory lock around `CREATE EXTENSION`: an extension is per database,
// while `migrate()` locks per schema, so two schemas migrated at once would both try to create it.
const EXTENSION_LOCK_CLASS = 0x7472_6978; // 'trix'

/** Where pgcrypto goes when the database has none: a schema of its own, which no driver schema drop takes along. */
const PGCRYPTO_SCHEMA = 'tristack_pgcrypto';

/**
 * `<schema>.audit_sha1(text)`: SHA-1 hex of the UTF-8 bytes (the hash of `hashAuditEntry`; PostgreSQL
 * has only SHA-2 built in), through pgcrypto wherever the database has it, else installed once into
 * `tristack_pgcrypto` under a database-wide lock. Run by every `migrate()`, so a dropped extension
 * is re-created and the function re-pointed at it. Schema-qualified, so it never depends on the
 * caller's `search_path`.
 */
function pgcryptoSha1(s: string): string {
  return `DO $do$
   DECLARE extension_schema text;
   BEGIN
     SELECT n.nspname INTO extension_schema
       FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'pgcrypto';
     IF extension_schema IS NULL THEN
       PERFORM pg_catalog.pg_advisory_xact_lock(${EXTENSION_LOCK_CLASS}, 0);
       CREATE SCHEMA IF NOT EXISTS ${PGCRYPTO_SCHEMA};
       CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA ${PGCRYPTO_SCHEMA};
       SELECT n.nspname INTO extension_schema
         FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pgcrypto';
     END IF;
     EXECUTE pg_catalog.format(
       'CREATE OR REPLACE FUNCTION %s.audit_sha1(material text) RETURNS text LANGUAGE sql IMMUTABLE STRICT ${FUNCTION_SEARCH_PATH} AS %L',
       '${s}', pg_catalog.format('SELECT encode(%I.digest(convert_to(material, ''UTF8''), ''sha1''), ''hex'')', extension_schema));
   END $do$`;
}

/**
 * The audit log's tables and server-side functions, version 1 (`s` is the quoted schema). Logged tables: the audit trail is
 * the one thing that must survive a crash. SHA-1 comes from `pgcrypto` (a trusted extension since
 * PostgreSQL 13: the database owner may create it), so `append` hashes on the server and stays one
 * round trip, with the exact bytes the Redis driver's Lua script and `hashAuditEntry` hash.
 */
function auditLogV1(s: string): string[] {
  return [
    // One row per tenant: the chain's newest link, the last id handed out and the anchor left by trims.
    `CREATE TABLE IF NOT EXISTS ${s}.audit_heads (
    tenant_id text COLLATE "C" PRIMARY KEY,
    sequence bigint NOT NULL DEFAULT 0,
    hash text,
    last_ms bigint,
    last_n bigint,
    anchor_sequence bigint NOT NULL DEFAULT 0,
    anchor_hash text,
    anchor_id text
  )`,
    `CREATE TABLE IF NOT EXISTS ${s}.audit_entries (
    tenant_id text COLLATE "C" NOT NULL,
    ms bigint NOT NULL,
    n bigint NOT NULL,
    sequence bigint NOT NULL,
    previous_hash text NOT NULL,
    hash text NOT NULL,
    layer text NOT NULL,
    type text NOT NULL,
    user_id text,
    conversation_id text,
    run_id text,
    data_json text NOT NULL,
    PRIMARY KEY (tenant_id, ms, n)
  )`,
    // Secondary indexes answer the selective filters, as the Redis index streams do.
    `CREATE INDEX IF NOT EXISTS audit_entries_user
     ON ${s}.audit_entries (tenant_id, user_id, conversation_id, ms, n) WHERE user_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS audit_entries_run
     ON ${s}.audit_entries (tenant_id, run_id, ms, n) WHERE run_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS audit_entries_type ON ${s}.audit_entries (tenant_id, type, ms, n)`,
    // Removes up to p_limit entries older than p_cutoff ms, moving the anchor to the last one removed.
    `CREATE OR REPLACE FUNCTION ${s}.audit_trim(p_tenant text, p_cutoff bigint, p_limit integer)
   RETURNS integer LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
   DECLARE
     removed integer;
     last_entry record;
   BEGIN
     IF p_cutoff <= 0 THEN RETURN 0; END IF;
     WITH old AS (
       SELECT ms, n FROM ${s}.audit_entries
        WHERE tenant_id = p_tenant AND ms < p_cutoff ORDER BY ms, n LIMIT p_limit
     ), gone AS (
       DELETE FROM ${s}.audit_entries e USING old
        WHERE e.tenant_id = p_tenant AND e.ms = old.ms AND e.n = old.n
        RETURNING e.ms, e.n, e.sequence, e.hash
     ), ordered AS (
       SELECT gone.*, count(*) OVER () AS total FROM gone ORDER BY ms DESC, n DESC LIMIT 1
     )
     SELECT * INTO last_entry FROM ordered;
     IF last_entry IS NULL THEN RETURN 0; END IF;
     removed := last_entry.total;
     UPDATE ${s}.audit_heads
        SET anchor_sequence = last_entry.sequence, anchor_hash = last_entry.hash,
            anchor_id = last_entry.ms || '-' || last_entry.n
      WHERE tenant_id = p_tenant;
     RETURN removed;
   END $$`,
    // Appends one event: locks the tenant's head row (concurrent writers queue on it), takes the
    // server's clock, derives the next id (strictly increasing even if the clock steps back),
    // hashes the entry onto the previous hash, inserts it and moves the head; with a retention,
    // trims one bounded batch on the way.
    `CREATE OR REPLACE FUNCTION ${s}.audit_append(
     p_tenant text, p_genesis text, p_layer text, p_type text, p_user text, p_conversation text,
     p_run text, p_data text, p_retention_ms bigint, p_batch integer)
   RETURNS TABLE (id text, sequence bigint, previous_hash text, hash text, ms bigint)
   LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
   DECLARE
     now_ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
     head ${s}.audit_heads%ROWTYPE;
     entry_ms bigint;
     entry_n bigint := 0;
     entry_sequence bigint;
     entry_previous text;
     entry_hash text;
   BEGIN
     INSERT INTO ${s}.audit_heads AS h (tenant_id) VALUES (p_tenant)
       ON CONFLICT (tenant_id) DO UPDATE SET tenant_id = h.tenant_id
       RETURNING h.* INTO head;
     entry_ms := now_ms;
     IF head.last_ms IS NOT NULL AND now_ms <= head.last_ms THEN
       entry_ms := head.last_ms;
       entry_n := head.last_n + 1;
     END IF;
     entry_sequence := head.sequence + 1;
     entry_previous := coalesce(head.hash, p_genesis);
     entry_hash := ${s}.audit_sha1(concat_ws(E'\\n', entry_previous, entry_sequence::text,
       entry_ms || '-' || entry_n, p_layer, p_type, coalesce(p_user, ''), coalesce(p_conversation, ''),
       coalesce(p_run, ''), p_data));
     INSERT INTO ${s}.audit_entries AS e (tenant_id, ms, n, sequence, previous_hash, hash, layer, type,
       user_id, conversation_id, run_id, data_json)
     VALUES (p_tenant, entry_ms, entry_n, entry_sequence, entry_previous, entry_hash, p_layer, p_type,
       p_user, p_conversation, p_run, p_data);
     UPDATE ${s}.audit_heads AS h
        SET sequence = entry_sequence, hash = entry_hash, last_ms = entry_ms, last_n = entry_n
      WHERE h.tenant_id = p_tenant;
     IF p_retention_ms IS NOT NULL THEN
       PERFORM ${s}.audit_trim(p_tenant, now_ms - p_retention_ms, p_batch);
     END IF;
     RETURN QUERY SELECT entry_ms || '-' || entry_n, entry_sequence, entry_previous, entry_hash, entry_ms;
   END $$`,
  ];
}

/** The audit log's part of `migrate()`. Nothing expires by a sweeper: retention trims by age instead. */
export const auditLogSchema: PostgresSchemaPart = {
  primitive: 'audit-log',
  versions: [auditLogV1],
  everyRun: (s) => [pgcryptoSha1(s)],
};
