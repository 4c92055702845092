import type { PostgresSchemaPart } from '../internal/schema-part.js';
import { FUNCTION_SEARCH_PATH } from '../internal/function-settings.js';

/**
 * `circuit_breaker`: one row per breaker name with the whole state (the Redis driver's hash, as
 * columns): state, open-until, trips, consecutive failures, probe tokens and quorum failures as
 * `jsonb`, and the window's buckets as `jsonb` (`{"<slot>": [bucket, calls, failures]}`). UNLOGGED:
 * after a server crash every breaker is closed with empty counts, which the next failures re-trip;
 * the trade the Redis driver makes without persistence.
 *
 * `circuit_breaker_call(op, …)` is every operation (read, acquire, batch, probe, reset) in one
 * server-side function, a port of the Redis driver's `breaker-state.lua`: it locks the row (`FOR
 * UPDATE`), applies the state machine and announces a state change with `pg_notify`, delivered at
 * commit, so a change and its notice cannot part.
 */
export const circuitBreakerSchema: PostgresSchemaPart = {
  primitive: 'circuit-breaker',
  versions: [
    (schema) => [
      `CREATE UNLOGGED TABLE ${schema}.circuit_breaker (
         name text PRIMARY KEY,
         state text NOT NULL DEFAULT 'closed',
         open_until bigint NOT NULL DEFAULT 0,
         trips integer NOT NULL DEFAULT 0,
         consecutive integer NOT NULL DEFAULT 0,
         changed_at bigint NOT NULL DEFAULT 0,
         probe_ok integer NOT NULL DEFAULT 0,
         probes jsonb NOT NULL DEFAULT '{}',
         failing jsonb NOT NULL DEFAULT '{}',
         window_buckets jsonb NOT NULL DEFAULT '{}',
         expires_at timestamptz NOT NULL)`,
      `CREATE INDEX circuit_breaker_expires_at ON ${schema}.circuit_breaker (expires_at)`,
      circuitFunction(schema),
    ],
  ],
  expiring: [{ table: 'circuit_breaker', column: 'expires_at' }],
};

/** The plpgsql of one transition (breaker-state.lua's `transition`): builds and sends the event. */
function transition(to: string, reason: string): string {
  return `
    SELECT coalesce(sum((b.value ->> 1)::bigint), 0), coalesce(sum((b.value ->> 2)::bigint), 0)
      INTO window_calls, window_failures FROM jsonb_each(c_window) AS b
      WHERE (b.value ->> 0)::bigint > current_bucket - p_buckets AND (b.value ->> 0)::bigint <= current_bucket;
    IF p_quorum > 1 THEN
      SELECT coalesce(jsonb_object_agg(f.key, f.value), '{}'::jsonb) INTO c_failing
        FROM jsonb_each(c_failing) AS f WHERE (f.value #>> '{}')::bigint > now_ms - p_window_ms;
    END IF;
    event_from := c_state;
    c_state := '${to}';
    c_changed_at := now_ms;
    c_probes := '{}';
    c_probe_ok := 0;
    ${
      to === 'closed'
        ? `event_failing := CASE WHEN p_quorum > 1 THEN (SELECT count(*) FROM jsonb_object_keys(c_failing)) ELSE 0 END;
    c_trips := 0; c_open_until := 0; event_consecutive := c_consecutive; c_consecutive := 0; c_failing := '{}'; c_window := '{}';`
        : `event_failing := CASE WHEN p_quorum > 1 THEN (SELECT count(*) FROM jsonb_object_keys(c_failing)) ELSE 0 END;
    event_consecutive := c_consecutive;`
    }
    event := jsonb_build_object('type', 'state-change', 'name', p_name, 'from', event_from, 'to', '${to}',
      'reason', '${reason}', 'at', now_ms, 'calls', window_calls, 'failures', window_failures,
      'consecutiveFailures', event_consecutive, 'failingInstances', event_failing, 'trips', c_trips,
      'openMs', ${to === 'open' ? 'c_open_until - now_ms' : '0'}, 'instanceId', p_instance)::text;
    PERFORM pg_notify(p_channel, event);`;
}

/** breaker-state.lua's `open`: each trip in a row stays open longer, up to maxOpenMs. */
function open(reason: string): string {
  return `
    c_trips := c_trips + 1;
    c_open_until := now_ms + least(p_max_open_ms, floor(p_open_ms * power(p_multiplier, c_trips - 1) + 0.5)::bigint);
    ${transition('open', reason)}`;
}

function circuitFunction(schema: string): string {
  return `CREATE FUNCTION ${schema}.circuit_breaker_call(
    p_op text, p_name text, p_channel text, p_instance text,
    p_threshold double precision, p_window_ms bigint, p_buckets integer, p_minimum_calls integer,
    p_consecutive_limit integer, p_open_ms bigint, p_multiplier double precision, p_max_open_ms bigint,
    p_half_open_probes integer, p_probe_ttl_ms bigint, p_quorum integer,
    p_token text, p_successes integer, p_failures integer, p_trailing integer, p_had_success boolean,
    p_verdict text)
  RETURNS TABLE (state text, retry_after bigint, changed_at bigint, server_time bigint, trips integer,
    calls bigint, failures bigint, consecutive integer, failing_instances integer, probes integer,
    probe_ok integer, admitted boolean, token text, event text)
  LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $body$
  #variable_conflict use_variable
  DECLARE
    now_ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
    current_bucket bigint := floor(now_ms / (p_window_ms::double precision / p_buckets))::bigint;
    c_state text := 'closed';
    c_open_until bigint := 0;
    c_trips integer := 0;
    c_consecutive integer := 0;
    c_changed_at bigint := 0;
    c_probe_ok integer := 0;
    c_probes jsonb := '{}';
    c_failing jsonb := '{}';
    c_window jsonb := '{}';
    c_expires_at timestamptz;
    window_calls bigint;
    window_failures bigint;
    event_from text;
    event_failing integer;
    event_consecutive integer;
    live_probes integer;
    earliest bigint;
    slot text;
    slot_value jsonb;
    probe_expiry bigint;
    save boolean := false;
    remove_row boolean := false;
  BEGIN
    admitted := false;
    token := NULL;
    event := NULL;
    IF p_op <> 'read' THEN
      INSERT INTO ${schema}.circuit_breaker (name, expires_at) VALUES (p_name, clock_timestamp())
        ON CONFLICT (name) DO NOTHING;
      SELECT b.state, b.open_until, b.trips, b.consecutive, b.changed_at, b.probe_ok, b.probes, b.failing, b.window_buckets, b.expires_at
        INTO c_state, c_open_until, c_trips, c_consecutive, c_changed_at, c_probe_ok, c_probes, c_failing, c_window, c_expires_at
        FROM ${schema}.circuit_breaker b WHERE b.name = p_name FOR UPDATE;
    ELSE
      SELECT b.state, b.open_until, b.trips, b.consecutive, b.changed_at, b.probe_ok, b.probes, b.failing, b.window_buckets, b.expires_at
        INTO c_state, c_open_until, c_trips, c_consecutive, c_changed_at, c_probe_ok, c_probes, c_failing, c_window, c_expires_at
        FROM ${schema}.circuit_breaker b WHERE b.name = p_name;
    END IF;
    -- No row, or one the sweeper has not reached yet (its state faded away, as the Redis hash's TTL
    -- would): a closed breaker with empty counts.
    IF c_expires_at IS NULL OR c_expires_at <= clock_timestamp() THEN
      c_state := 'closed'; c_open_until := 0; c_trips := 0; c_consecutive := 0; c_changed_at := 0;
      c_probe_ok := 0; c_probes := '{}'; c_failing := '{}'; c_window := '{}';
    END IF;

    IF p_op = 'acquire' THEN
      IF c_state = 'closed' THEN
        admitted := true;
      ELSIF c_state = 'open' AND now_ms < c_open_until THEN
        admitted := false;
      ELSE
        IF c_state = 'open' THEN
          ${transition('half-open', 'open-elapsed')}
          save := true;
        END IF;
        SELECT coalesce(jsonb_object_agg(p.key, p.value), '{}'::jsonb) INTO c_probes
          FROM jsonb_each(c_probes) AS p WHERE (p.value #>> '{}')::bigint > now_ms;
        save := true;
        IF (SELECT count(*) FROM jsonb_object_keys(c_probes)) + c_probe_ok < p_half_open_probes THEN
          c_probes := c_probes || jsonb_build_object(p_token, now_ms + p_probe_ttl_ms);
          admitted := true;
          token := p_token;
        END IF;
      END IF;
    ELSIF p_op = 'batch' THEN
      -- Calls admitted before a trip finish while it is open: they say nothing new.
      IF c_state = 'closed' THEN
        slot := (current_bucket % p_buckets)::text;
        slot_value := c_window -> slot;
        IF slot_value IS NOT NULL AND (slot_value ->> 0)::bigint = current_bucket THEN
          c_window := c_window || jsonb_build_object(slot, jsonb_build_array(current_bucket,
            (slot_value ->> 1)::bigint + p_successes + p_failures, (slot_value ->> 2)::bigint + p_failures));
        ELSE
          c_window := c_window || jsonb_build_object(slot, jsonb_build_array(current_bucket, p_successes + p_failures, p_failures));
        END IF;
        IF p_had_success THEN c_consecutive := p_trailing; ELSE c_consecutive := c_consecutive + p_failures; END IF;
        IF p_failures > 0 THEN
          IF p_quorum > 1 THEN
            c_failing := c_failing || jsonb_build_object(p_instance, now_ms);
            SELECT coalesce(jsonb_object_agg(f.key, f.value), '{}'::jsonb) INTO c_failing
              FROM jsonb_each(c_failing) AS f WHERE (f.value #>> '{}')::bigint > now_ms - p_window_ms;
          END IF;
          IF p_quorum <= 1 OR (SELECT count(*) FROM jsonb_object_keys(c_failing)) >= p_quorum THEN
            SELECT coalesce(sum((b.value ->> 1)::bigint), 0), coalesce(sum((b.value ->> 2)::bigint), 0)
              INTO window_calls, window_failures FROM jsonb_each(c_window) AS b
              WHERE (b.value ->> 0)::bigint > current_bucket - p_buckets AND (b.value ->> 0)::bigint <= current_bucket;
            IF p_threshold >= 0 AND window_calls >= p_minimum_calls AND window_calls > 0
               AND window_failures::double precision / window_calls >= p_threshold THEN
              ${open('failure-rate')}
            ELSIF p_consecutive_limit >= 0 AND c_consecutive >= p_consecutive_limit THEN
              ${open('consecutive-failures')}
            END IF;
          END IF;
        END IF;
        save := true;
      END IF;
    ELSIF p_op = 'probe' THEN
      probe_expiry := (c_probes ->> p_token)::bigint;
      -- A probe that outlived its token lost its say: its slot may already be someone else's.
      IF c_state = 'half-open' AND probe_expiry IS NOT NULL AND probe_expiry > now_ms THEN
        c_probes := c_probes - p_token;
        IF p_verdict = 'failure' THEN
          ${open('probe-failed')}
        ELSIF p_verdict = 'success' THEN
          c_probe_ok := c_probe_ok + 1;
          IF c_probe_ok >= p_half_open_probes THEN
            ${transition('closed', 'probes-succeeded')}
          END IF;
        END IF;
        save := true;
      END IF;
    ELSIF p_op = 'reset' THEN
      IF c_state <> 'closed' THEN
        ${transition('closed', 'reset')}
      END IF;
      c_state := 'closed'; c_trips := 0; c_consecutive := 0; c_probes := '{}'; c_probe_ok := 0;
      c_failing := '{}'; c_window := '{}';
      remove_row := true;
    END IF;

    IF remove_row THEN
      DELETE FROM ${schema}.circuit_breaker b WHERE b.name = p_name;
    ELSIF save THEN
      -- Idle breakers fade away: nothing in them outlives a window plus the longest open period.
      UPDATE ${schema}.circuit_breaker b SET state = c_state, open_until = c_open_until, trips = c_trips,
          consecutive = c_consecutive, changed_at = c_changed_at, probe_ok = c_probe_ok, probes = c_probes,
          failing = c_failing, window_buckets = c_window,
          expires_at = clock_timestamp() + (2 * p_window_ms + p_max_open_ms + p_probe_ttl_ms) * interval '1 millisecond'
        WHERE b.name = p_name;
    ELSIF p_op <> 'read' AND (SELECT b.changed_at = 0 AND b.window_buckets = '{}' FROM ${schema}.circuit_breaker b WHERE b.name = p_name) THEN
      -- The row the lock needed, holding nothing: gone again.
      DELETE FROM ${schema}.circuit_breaker b WHERE b.name = p_name AND b.state = 'closed';
    END IF;

    -- The reply (breaker-state.lua's \`reply\`).
    SELECT coalesce(sum((b.value ->> 1)::bigint), 0), coalesce(sum((b.value ->> 2)::bigint), 0)
      INTO calls, failures FROM jsonb_each(c_window) AS b
      WHERE (b.value ->> 0)::bigint > current_bucket - p_buckets AND (b.value ->> 0)::bigint <= current_bucket;
    SELECT count(*), min((p.value #>> '{}')::bigint) INTO live_probes, earliest
      FROM jsonb_each(c_probes) AS p WHERE (p.value #>> '{}')::bigint > now_ms;
    retry_after := 0;
    IF c_state = 'open' THEN
      retry_after := greatest(0, c_open_until - now_ms);
    ELSIF c_state = 'half-open' AND live_probes + c_probe_ok >= p_half_open_probes AND earliest IS NOT NULL THEN
      retry_after := earliest - now_ms;
    END IF;
    state := c_state;
    changed_at := c_changed_at;
    server_time := now_ms;
    trips := c_trips;
    consecutive := c_consecutive;
    failing_instances := CASE WHEN p_quorum > 1 THEN
      (SELECT count(*) FROM jsonb_each(c_failing) AS f WHERE (f.value #>> '{}')::bigint > now_ms - p_window_ms) ELSE 0 END;
    probes := live_probes;
    probe_ok := c_probe_ok;
    RETURN NEXT;
  END
  $body$`;
}
