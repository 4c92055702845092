import type { PostgresSchemaPart } from '../internal/schema-part.js';
import { FUNCTION_SEARCH_PATH } from '../internal/function-settings.js';

/**
 * The token stream's tables and functions, version 1 (`s` is the quoted schema). Unlogged: a
 * stream lives for one response (TTL one hour by default); a server crash loses the streams in
 * flight, which readers see as `TokenStreamNotFoundError`, and the producer retries the turn.
 * Entry ids are `<ms>-<n>`: the server's ms (never going back within a stream) and the entry's
 * number in its stream. Chunks are stored as a JSON array (a text column refuses NUL).
 * `sweepExpired` deletes streams past their TTL; their entries go with them (ON DELETE CASCADE).
 */
function tokenStreamV1(s: string): string[] {
  return [
    `CREATE UNLOGGED TABLE ${s}.token_streams (
      stream_id text COLLATE "C" PRIMARY KEY,
      state text NOT NULL,
      chunks bigint NOT NULL DEFAULT 0,
      entries bigint NOT NULL DEFAULT 0,
      last_ms bigint NOT NULL DEFAULT 0,
      beat_ms bigint NOT NULL,
      timeout_ms bigint NOT NULL,
      ttl_ms bigint NOT NULL,
      cancel_reason text,
      failure_reason text,
      failure_code text,
      expires_at timestamptz NOT NULL
    )`,
    `CREATE INDEX token_streams_expires ON ${s}.token_streams (expires_at)`,
    `CREATE UNLOGGED TABLE ${s}.token_stream_entries (
      stream_id text COLLATE "C" NOT NULL REFERENCES ${s}.token_streams ON DELETE CASCADE,
      n bigint NOT NULL,
      ms bigint NOT NULL,
      first_chunk bigint NOT NULL,
      chunks_json text NOT NULL,
      terminal text,
      failure_reason text,
      failure_code text,
      PRIMARY KEY (stream_id, n)
    )`,
    `CREATE FUNCTION ${s}.token_stream_now() RETURNS bigint LANGUAGE sql VOLATILE ${FUNCTION_SEARCH_PATH} AS
       $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint $$`,
    // Opens a stream id (clearing the leftovers of an expired one); false when it is taken.
    `CREATE FUNCTION ${s}.token_stream_open(p_stream text, p_ttl_ms bigint, p_timeout_ms bigint)
     RETURNS boolean LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     DECLARE
       now_ms bigint := ${s}.token_stream_now();
     BEGIN
       DELETE FROM ${s}.token_streams WHERE stream_id = p_stream AND expires_at <= clock_timestamp();
       INSERT INTO ${s}.token_streams (stream_id, state, beat_ms, timeout_ms, ttl_ms, expires_at)
       VALUES (p_stream, 'open', now_ms, p_timeout_ms, p_ttl_ms,
         clock_timestamp() + p_ttl_ms * interval '1 millisecond')
       ON CONFLICT (stream_id) DO NOTHING;
       RETURN FOUND;
     END $$`,
    // Appends one entry (p_chunks_json: a JSON array; p_terminal: null, 'end' or 'fail'), trims to
    // p_max_length entries, records the write as a heartbeat, renews the TTL and notifies readers.
    // Refuses unless the stream is open and not abandoned. Returns (ok, detail): detail is the
    // cancel reason when ok, else the state that refused ('missing' once expired).
    `CREATE FUNCTION ${s}.token_stream_write(
       p_stream text, p_max_length bigint, p_chunk_count bigint, p_chunks_json text, p_terminal text,
       p_reason text, p_code text, p_channel text)
     RETURNS TABLE (ok boolean, detail text) LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $$
     DECLARE
       now_ms bigint := ${s}.token_stream_now();
       stream ${s}.token_streams%ROWTYPE;
       entry_ms bigint;
     BEGIN
       SELECT * INTO stream FROM ${s}.token_streams t
        WHERE t.stream_id = p_stream AND t.expires_at > clock_timestamp() FOR UPDATE;
       IF NOT FOUND THEN RETURN QUERY SELECT false, 'missing'::text; RETURN; END IF;
       IF stream.state <> 'open' THEN RETURN QUERY SELECT false, stream.state; RETURN; END IF;
       IF now_ms - stream.beat_ms > stream.timeout_ms THEN RETURN QUERY SELECT false, 'abandoned'::text; RETURN; END IF;
       IF p_chunks_json IS NOT NULL THEN
         entry_ms := greatest(now_ms, stream.last_ms);
         INSERT INTO ${s}.token_stream_entries (stream_id, n, ms, first_chunk, chunks_json, terminal,
           failure_reason, failure_code)
         VALUES (p_stream, stream.entries, entry_ms, stream.chunks, p_chunks_json, p_terminal, p_reason, p_code);
         DELETE FROM ${s}.token_stream_entries e
          WHERE e.stream_id = p_stream AND e.n <= stream.entries - p_max_length;
         UPDATE ${s}.token_streams t SET chunks = t.chunks + p_chunk_count, entries = t.entries + 1,
           last_ms = entry_ms,
           state = CASE p_terminal WHEN 'end' THEN 'ended' WHEN 'fail' THEN 'failed' ELSE 'open' END,
           failure_reason = CASE WHEN p_terminal = 'fail' THEN p_reason END,
           failure_code = CASE WHEN p_terminal = 'fail' THEN p_code END
          WHERE t.stream_id = p_stream;
         PERFORM pg_notify(p_channel, p_stream);
       END IF;
       UPDATE ${s}.token_streams t SET beat_ms = now_ms,
         expires_at = clock_timestamp() + t.ttl_ms * interval '1 millisecond'
        WHERE t.stream_id = p_stream;
       RETURN QUERY SELECT true, stream.cancel_reason;
     END $$`,
    `CREATE FUNCTION ${s}.token_stream_cancel(p_stream text, p_reason text)
     RETURNS boolean LANGUAGE sql ${FUNCTION_SEARCH_PATH} AS $$
       UPDATE ${s}.token_streams SET cancel_reason = p_reason
        WHERE stream_id = p_stream AND expires_at > clock_timestamp() AND state = 'open'
          AND ${s}.token_stream_now() - beat_ms <= timeout_ms
       RETURNING true
     $$`,
    // The stream's liveness and up to p_count entries after (p_ms, p_n); no row: no such stream.
    `CREATE FUNCTION ${s}.token_stream_poll(p_stream text, p_ms bigint, p_n bigint, p_count integer)
     RETURNS TABLE (state text, idle_ms bigint, timeout_ms bigint, chunks bigint, cancel_requested boolean,
       failure_reason text, failure_code text, entries json)
     LANGUAGE sql ${FUNCTION_SEARCH_PATH} AS $$
       SELECT t.state, greatest(0, ${s}.token_stream_now() - t.beat_ms), t.timeout_ms, t.chunks,
         t.cancel_reason IS NOT NULL, t.failure_reason, t.failure_code,
         (SELECT coalesce(json_agg(json_build_object('ms', e.ms, 'n', e.n, 'first', e.first_chunk,
             'chunks', e.chunks_json::json, 't', e.terminal, 'r', e.failure_reason, 'k', e.failure_code)
             ORDER BY e.ms, e.n), '[]'::json)
            FROM (SELECT * FROM ${s}.token_stream_entries e
                   WHERE e.stream_id = p_stream AND (e.ms, e.n) > (p_ms, p_n)
                   ORDER BY e.ms, e.n LIMIT p_count) e)
       FROM ${s}.token_streams t
       WHERE t.stream_id = p_stream AND t.expires_at > clock_timestamp()
     $$`,
  ];
}

export const tokenStreamSchema: PostgresSchemaPart = {
  primitive: 'token-stream',
  versions: [tokenStreamV1],
  expiring: [{ table: 'token_streams', column: 'expires_at' }],
};
