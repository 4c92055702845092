import type { PostgresSchemaPart } from '../internal/schema-part.js';
import { FUNCTION_SEARCH_PATH } from '../internal/function-settings.js';

/**
 * The job queue's tables and server-side functions, version 1 (`s` is the quoted schema). `jobs`
 * is logged: a queued job must survive a crash. Progress events are an unlogged table (losing
 * progress reports of running jobs in a server crash is acceptable; the jobs themselves are not
 * lost). Every time that decides (delays, leases, backoff) is `clock_timestamp()` in ms.
 *
 * Every operation is one call of one function: one round trip, one transaction. Events (a job
 * added, a job final, a cancel request, a progress report) go out with `pg_notify` on commit;
 * payloads carry ids only plus the cancel reason (≤ 1024 characters), well under NOTIFY's 8000
 * bytes; progress data is read from `job_events`.
 */
function jobQueueV1(s: string): string[] {
  return [
    `CREATE TABLE ${s}.jobs (
      name text COLLATE "C" NOT NULL,
      id uuid NOT NULL,
      seq bigserial,
      state text NOT NULL,
      payload text NOT NULL,
      priority integer NOT NULL,
      tenant_id text,
      tenant_key text,
      idempotency_key text,
      idempotency_scope text,
      max_attempts integer NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      starts integer NOT NULL DEFAULT 0,
      backoff_type text NOT NULL,
      backoff_delay_ms bigint NOT NULL,
      backoff_max_delay_ms bigint NOT NULL,
      backoff_jitter double precision NOT NULL,
      timeout_ms bigint,
      enqueued_at bigint NOT NULL,
      run_at bigint,
      started_at bigint,
      finished_at bigint,
      failed_at bigint,
      owner text,
      lease_until bigint,
      cancel_requested boolean NOT NULL DEFAULT false,
      cancel_reason text,
      error text,
      result text,
      progress text,
      expires_at timestamptz,
      PRIMARY KEY (name, id)
    )`,
    // Idempotency keys are unique per queue name and scope (tenant + key, built with compositeKey).
    `CREATE UNIQUE INDEX jobs_idempotency ON ${s}.jobs (name, idempotency_scope)
       WHERE idempotency_scope IS NOT NULL`,
    `CREATE INDEX jobs_ready ON ${s}.jobs (name, priority DESC, seq)
       WHERE state IN ('waiting', 'delayed', 'failed')`,
    `CREATE INDEX jobs_active ON ${s}.jobs (name, lease_until) WHERE state = 'active'`,
    `CREATE INDEX jobs_tenant_active ON ${s}.jobs (name, tenant_key) WHERE state = 'active'`,
    `CREATE INDEX jobs_dead ON ${s}.jobs (name, failed_at) WHERE state = 'dead'`,
    `CREATE INDEX jobs_expires ON ${s}.jobs (expires_at) WHERE expires_at IS NOT NULL`,
    `CREATE UNLOGGED TABLE ${s}.job_events (
      seq bigserial PRIMARY KEY,
      name text COLLATE "C" NOT NULL,
      id uuid NOT NULL,
      data text NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
    `CREATE INDEX job_events_job ON ${s}.job_events (name, id, seq)`,
    `CREATE INDEX job_events_expires ON ${s}.job_events (expires_at)`,
    `CREATE FUNCTION ${s}.job_now() RETURNS bigint LANGUAGE sql VOLATILE ${FUNCTION_SEARCH_PATH} AS
       $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint $$`,
    // An attempt failed: back off (same formula as jobBackoffDelayMs) or dead-letter.
    `CREATE FUNCTION ${s}.job_fail(p_name text, p_id uuid, p_error text, p_now bigint, p_channel text)
     RETURNS void LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     DECLARE
       job ${s}.jobs%ROWTYPE;
       base double precision;
       delay bigint;
     BEGIN
       SELECT * INTO job FROM ${s}.jobs WHERE name = p_name AND id = p_id;
       IF job.attempts >= job.max_attempts THEN
         UPDATE ${s}.jobs SET state = 'dead', error = p_error, failed_at = p_now, finished_at = p_now,
           owner = NULL, lease_until = NULL
          WHERE name = p_name AND id = p_id;
         PERFORM pg_notify(p_channel, json_build_object('e', 'final', 'n', p_name, 'i', p_id)::text);
       ELSE
         base := CASE WHEN job.backoff_type = 'fixed' THEN job.backoff_delay_ms
                      ELSE job.backoff_delay_ms * power(2, greatest(0, job.attempts - 1)) END;
         delay := floor(least(base, job.backoff_max_delay_ms) * (1 - job.backoff_jitter * random()));
         UPDATE ${s}.jobs SET state = 'failed', error = p_error, failed_at = p_now, run_at = p_now + delay,
           owner = NULL, lease_until = NULL
          WHERE name = p_name AND id = p_id;
       END IF;
     END $$`,
    jobEnqueueFunction(s, false),
    // Reclaims expired leases, then takes due jobs (see jobTakeFunction).
    jobTakeFunction(s, false),
    // Records an attempt's outcome when p_owner still holds the job; false otherwise (lost).
    `CREATE FUNCTION ${s}.job_finish(
       p_name text, p_id uuid, p_owner text, p_kind text, p_data text, p_result_ttl_ms bigint, p_channel text)
     RETURNS boolean LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     DECLARE
       now_ms bigint := ${s}.job_now();
       expires timestamptz := clock_timestamp() + p_result_ttl_ms * interval '1 millisecond';
     BEGIN
       PERFORM 1 FROM ${s}.jobs WHERE name = p_name AND id = p_id AND state = 'active' AND owner = p_owner
         FOR UPDATE;
       IF NOT FOUND THEN RETURN false; END IF;
       IF p_kind = 'completed' THEN
         UPDATE ${s}.jobs SET state = 'completed', result = p_data, finished_at = now_ms, owner = NULL,
           lease_until = NULL, expires_at = expires WHERE name = p_name AND id = p_id;
       ELSIF p_kind = 'cancelled' THEN
         UPDATE ${s}.jobs SET state = 'cancelled', cancel_reason = coalesce(cancel_reason, p_data),
           finished_at = now_ms, owner = NULL, lease_until = NULL, expires_at = expires
          WHERE name = p_name AND id = p_id;
       ELSIF p_kind = 'released' THEN
         -- Shutdown past its grace period: back to waiting, the attempt not counted.
         UPDATE ${s}.jobs SET state = 'waiting', attempts = attempts - 1, owner = NULL, lease_until = NULL,
           run_at = now_ms WHERE name = p_name AND id = p_id;
         PERFORM pg_notify(p_channel, json_build_object('e', 'added', 'n', p_name)::text);
         RETURN true;
       ELSE
         PERFORM ${s}.job_fail(p_name, p_id, p_data, now_ms, p_channel);
         RETURN true;
       END IF;
       PERFORM pg_notify(p_channel, json_build_object('e', 'final', 'n', p_name, 'i', p_id)::text);
       RETURN true;
     END $$`,
    // Renews the leases a worker holds; per job: 0 lost, 1 renewed, 2 renewed but cancel requested.
    `CREATE FUNCTION ${s}.job_heartbeat(p_name text, p_ids uuid[], p_owners text[], p_lease_ms bigint)
     RETURNS TABLE (id uuid, status integer, reason text) LANGUAGE sql ${FUNCTION_SEARCH_PATH} AS $$
       WITH held AS (SELECT * FROM unnest(p_ids, p_owners) AS h(id, owner)),
       renewed AS (
         UPDATE ${s}.jobs j SET lease_until = ${s}.job_now() + p_lease_ms FROM held
          WHERE j.name = p_name AND j.id = held.id AND j.owner = held.owner AND j.state = 'active'
          RETURNING j.id, j.cancel_requested, j.cancel_reason)
       SELECT held.id, CASE WHEN renewed.id IS NULL THEN 0 WHEN renewed.cancel_requested THEN 2 ELSE 1 END,
         renewed.cancel_reason
         FROM held LEFT JOIN renewed ON renewed.id = held.id
     $$`,
    `CREATE FUNCTION ${s}.job_cancel(p_name text, p_id uuid, p_reason text, p_result_ttl_ms bigint, p_channel text)
     RETURNS text LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     DECLARE
       job_state text;
     BEGIN
       SELECT state INTO job_state FROM ${s}.jobs WHERE name = p_name AND id = p_id FOR UPDATE;
       IF job_state IS NULL THEN RETURN 'not-found'; END IF;
       IF job_state IN ('completed', 'dead', 'cancelled') THEN RETURN 'finished'; END IF;
       IF job_state = 'active' THEN
         UPDATE ${s}.jobs SET cancel_requested = true, cancel_reason = p_reason WHERE name = p_name AND id = p_id;
         PERFORM pg_notify(p_channel,
           json_build_object('e', 'cancel', 'n', p_name, 'i', p_id, 'r', p_reason)::text);
         RETURN 'requested';
       END IF;
       UPDATE ${s}.jobs SET state = 'cancelled', cancel_reason = p_reason, finished_at = ${s}.job_now(),
         expires_at = clock_timestamp() + p_result_ttl_ms * interval '1 millisecond'
        WHERE name = p_name AND id = p_id;
       PERFORM pg_notify(p_channel, json_build_object('e', 'final', 'n', p_name, 'i', p_id)::text);
       RETURN 'cancelled';
     END $$`,
    `CREATE FUNCTION ${s}.job_retry_dead(p_name text, p_id uuid, p_channel text)
     RETURNS boolean LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     BEGIN
       UPDATE ${s}.jobs SET state = 'waiting', attempts = 0, run_at = ${s}.job_now(), finished_at = NULL
        WHERE name = p_name AND id = p_id AND state = 'dead';
       IF NOT FOUND THEN RETURN false; END IF;
       PERFORM pg_notify(p_channel, json_build_object('e', 'added', 'n', p_name)::text);
       RETURN true;
     END $$`,
    `CREATE FUNCTION ${s}.job_progress(
       p_name text, p_id uuid, p_owner text, p_data text, p_result_ttl_ms bigint, p_channel text)
     RETURNS boolean LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     DECLARE
       event_seq bigint;
     BEGIN
       UPDATE ${s}.jobs SET progress = p_data WHERE name = p_name AND id = p_id AND owner = p_owner
         AND state = 'active';
       IF NOT FOUND THEN RETURN false; END IF;
       INSERT INTO ${s}.job_events (name, id, data, expires_at)
       VALUES (p_name, p_id, p_data, clock_timestamp() + p_result_ttl_ms * interval '1 millisecond')
       RETURNING seq INTO event_seq;
       PERFORM pg_notify(p_channel,
         json_build_object('e', 'progress', 'n', p_name, 'i', p_id, 's', event_seq)::text);
       RETURN true;
     END $$`,
  ];
}

/**
 * Version 2: the enqueuing span's W3C `traceparent` is stored with the job (a nullable column: no
 * table rewrite), so an attempt's `process <queue>` span continues the request's trace as on Redis.
 * Additive only: `job_enqueue` gains a 17-argument overload and `job_take_traced` is `job_take`
 * plus the column, so workers of the previous release keep running against a migrated schema.
 */
function jobQueueV2(s: string): string[] {
  return [
    `ALTER TABLE ${s}.jobs ADD COLUMN traceparent text`,
    jobEnqueueFunction(s, true),
    // job_take (version 1) that also returns each started job's traceparent.
    jobTakeFunction(s, true),
  ];
}

/**
 * `job_enqueue`: version 1's, or (traced) version 2's overload that also stores the caller's
 * W3C traceparent. One text for both, so the overload cannot drift from the original.
 */
function jobEnqueueFunction(s: string, traced: boolean): string {
  return `CREATE FUNCTION ${s}.job_enqueue(
       p_name text, p_id uuid, p_payload text, p_priority integer, p_tenant text, p_tenant_key text,
       p_idempotency_key text, p_idempotency_scope text, p_max_attempts integer, p_backoff_type text,
       p_backoff_delay_ms bigint, p_backoff_max_delay_ms bigint, p_backoff_jitter double precision,
       p_timeout_ms bigint, p_delay_ms bigint, p_channel text${traced ? ', p_traceparent text' : ''})
     RETURNS uuid LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     DECLARE
       now_ms bigint := ${s}.job_now();
       found_id uuid;
     BEGIN
       IF p_idempotency_scope IS NOT NULL THEN
         -- A key past its retention may be used again.
         DELETE FROM ${s}.jobs WHERE name = p_name AND idempotency_scope = p_idempotency_scope
           AND expires_at < clock_timestamp();
       END IF;
       INSERT INTO ${s}.jobs (name, id, state, payload, priority, tenant_id, tenant_key, idempotency_key,
         idempotency_scope, max_attempts, backoff_type, backoff_delay_ms, backoff_max_delay_ms,
         backoff_jitter, timeout_ms, enqueued_at, run_at${traced ? ', traceparent' : ''})
       VALUES (p_name, p_id, CASE WHEN p_delay_ms > 0 THEN 'delayed' ELSE 'waiting' END, p_payload,
         p_priority, p_tenant, p_tenant_key, p_idempotency_key, p_idempotency_scope, p_max_attempts,
         p_backoff_type, p_backoff_delay_ms, p_backoff_max_delay_ms, p_backoff_jitter, p_timeout_ms,
         now_ms, now_ms + p_delay_ms${traced ? ', p_traceparent' : ''})
       ON CONFLICT (name, idempotency_scope) WHERE idempotency_scope IS NOT NULL DO NOTHING
       RETURNING id INTO found_id;
       IF found_id IS NULL THEN
         SELECT id INTO found_id FROM ${s}.jobs WHERE name = p_name AND idempotency_scope = p_idempotency_scope;
         RETURN found_id;
       END IF;
       PERFORM pg_notify(p_channel, json_build_object('e', 'added', 'n', p_name)::text);
       RETURN found_id;
     END $$`;
}

/**
 * Reclaims expired leases, then takes up to p_capacity due jobs, highest priority first,
 * skipping rows other workers hold (SKIP LOCKED) and tenants at their limit. A tenant's count
 * is decided under a transaction-scoped advisory lock taken with try: never waits, never
 * deadlocks; a tenant another worker is deciding on is skipped this time. The last row has a
 * null id and says in how many ms the next delayed or failed job is due (null: none).
 * `job_take` is version 1's; `job_take_traced` (version 2, traced) also returns each started job's
 * traceparent. One text for both, so they cannot drift.
 */
function jobTakeFunction(s: string, traced: boolean): string {
  return `CREATE FUNCTION ${s}.${traced ? 'job_take_traced' : 'job_take'}(
       p_name text, p_consumer text, p_capacity integer, p_tenant_limit integer, p_lease_ms bigint,
       p_result_ttl_ms bigint, p_channel text)
     RETURNS TABLE (id uuid, owner text, attempt integer, payload text, max_attempts integer,
       priority integer, tenant_id text, idempotency_key text, enqueued_at bigint, timeout_ms bigint,
       ${traced ? 'traceparent text, ' : ''}next_due_ms bigint)
     LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     #variable_conflict use_column
     DECLARE
       now_ms bigint := ${s}.job_now();
       expired record;
       candidate record;
       taken integer := 0;
       running integer;
       job ${s}.jobs%ROWTYPE;
     BEGIN
       FOR expired IN SELECT j.id, j.tenant_key, j.cancel_requested, j.cancel_reason FROM ${s}.jobs j
           WHERE j.name = p_name AND j.state = 'active' AND j.lease_until < now_ms
           LIMIT 100 FOR UPDATE SKIP LOCKED LOOP
         IF expired.cancel_requested THEN
           UPDATE ${s}.jobs j SET state = 'cancelled', finished_at = now_ms, owner = NULL, lease_until = NULL,
             expires_at = clock_timestamp() + p_result_ttl_ms * interval '1 millisecond'
            WHERE j.name = p_name AND j.id = expired.id;
           PERFORM pg_notify(p_channel, json_build_object('e', 'final', 'n', p_name, 'i', expired.id)::text);
         ELSE
           PERFORM ${s}.job_fail(p_name, expired.id,
             'lease expired: the worker stopped renewing it (it crashed or stalled)', now_ms, p_channel);
         END IF;
       END LOOP;
       IF p_capacity > 0 THEN
         FOR candidate IN SELECT j.id, j.tenant_key FROM ${s}.jobs j
             WHERE j.name = p_name AND j.state IN ('waiting', 'delayed', 'failed') AND j.run_at <= now_ms
             ORDER BY j.priority DESC, j.seq LIMIT 1000 FOR UPDATE SKIP LOCKED LOOP
           EXIT WHEN taken >= p_capacity;
           IF candidate.tenant_key IS NOT NULL AND p_tenant_limit > 0 THEN
             CONTINUE WHEN NOT pg_try_advisory_xact_lock(hashtext(p_name), hashtext(candidate.tenant_key));
             SELECT count(*) INTO running FROM ${s}.jobs j
              WHERE j.name = p_name AND j.tenant_key = candidate.tenant_key AND j.state = 'active';
             CONTINUE WHEN running >= p_tenant_limit;
           END IF;
           UPDATE ${s}.jobs j SET state = 'active', attempts = j.attempts + 1, starts = j.starts + 1,
             owner = p_consumer || '#' || (j.starts + 1), started_at = now_ms, lease_until = now_ms + p_lease_ms
            WHERE j.name = p_name AND j.id = candidate.id
            RETURNING j.* INTO job;
           taken := taken + 1;
           RETURN QUERY SELECT job.id, job.owner, job.attempts, job.payload, job.max_attempts, job.priority,
             job.tenant_id, job.idempotency_key, job.enqueued_at, job.timeout_ms, ${traced ? 'job.traceparent, ' : ''}NULL::bigint;
         END LOOP;
       END IF;
       RETURN QUERY SELECT NULL::uuid, NULL::text, NULL::integer, NULL::text, NULL::integer, NULL::integer,
         NULL::text, NULL::text, NULL::bigint, NULL::bigint,${traced ? ' NULL::text,' : ''}
         (SELECT greatest(0, min(j.run_at) - now_ms) FROM ${s}.jobs j
           WHERE j.name = p_name AND j.state IN ('waiting', 'delayed', 'failed'));
     END $$`;
}

/** The job queue's part of `migrate()`; finished jobs and progress events expire (the sweeper). */
export const jobQueueSchema: PostgresSchemaPart = {
  primitive: 'job-queue',
  versions: [jobQueueV1, jobQueueV2],
  expiring: [
    { table: 'jobs', column: 'expires_at' },
    { table: 'job_events', column: 'expires_at' },
  ],
};
