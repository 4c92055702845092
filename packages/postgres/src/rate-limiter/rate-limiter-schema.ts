import type { PostgresSchemaPart } from '../internal/schema-part.js';
import { FUNCTION_SEARCH_PATH } from '../internal/function-settings.js';

// @tristack/core's MAX_RATE_LIMIT_HORIZON_MS (2^47): no stored time lies further ahead.
const MAX_HORIZON_MS = 140737488355328;

/**
 * `rate_limit_state`: one row per (limiter, scope, key), ids in their own columns. `state` holds
 * each rule's state by rule name — `{"a":"f","s":<window start>,"u":<used>}`,
 * `{"a":"s","b":{"<bucket index>":<cost>}}` or `{"a":"t","t":<theoretical arrival time>}` — and
 * `blocked_until` the `block()` deadline (ms since the epoch, fractional). UNLOGGED: counters are
 * lost on a server crash (not on a clean restart), which resets limits, the same trade a Redis
 * without persistence makes, for writes that skip the WAL on every admitted call.
 *
 * `rate_limit(…)` is every counting operation in one server-side function, a port of
 * @tristack/core's `checkRule`/`chargeRule` (as the Redis driver's Lua script is): it takes an
 * advisory lock per (limiter, scope, key) in a fixed order, checks every rule of every key, and
 * writes only when everything fits: all-or-nothing, one round trip. Time is `clock_timestamp()`.
 */
export const rateLimiterSchema: PostgresSchemaPart = {
  primitive: 'rate-limiter',
  versions: [
    (schema) => [
      `CREATE UNLOGGED TABLE ${schema}.rate_limit_state (
         limiter text NOT NULL,
         scope text NOT NULL,
         key text NOT NULL,
         blocked_until double precision NOT NULL DEFAULT 0,
         state jsonb NOT NULL DEFAULT '{}',
         expires_at timestamptz NOT NULL,
         PRIMARY KEY (limiter, scope, key))`,
      `CREATE INDEX rate_limit_state_expires_at ON ${schema}.rate_limit_state (expires_at)`,
      `CREATE INDEX rate_limit_state_key ON ${schema}.rate_limit_state (key)`,
      `CREATE FUNCTION ${schema}.rate_limit_fits(used double precision, cost double precision, rule_limit double precision)
       RETURNS boolean LANGUAGE sql IMMUTABLE ${FUNCTION_SEARCH_PATH} AS $body$
         -- A relative slack of 1e-9 of the limit absorbs floating point drift from fractional costs.
         SELECT used + cost <= rule_limit + rule_limit * 1e-9 AND (cost > 0 OR used < rule_limit - rule_limit * 1e-9)
       $body$`,
      rateLimitFunction(schema),
    ],
  ],
  expiring: [{ table: 'rate_limit_state', column: 'expires_at' }],
};

function rateLimitFunction(schema: string): string {
  return `CREATE FUNCTION ${schema}.rate_limit(
    p_mode text, p_extra double precision, p_limiter text, p_scopes text[], p_keys text[],
    p_rule_targets integer[], p_names text[], p_algorithms text[], p_limits double precision[],
    p_windows double precision[], p_parameters double precision[], p_costs double precision[])
  RETURNS TABLE (checked_at double precision, target integer, blocked_until double precision,
    denies_all_for double precision, fits boolean, remaining double precision,
    reset_at double precision, retry_after double precision)
  LANGUAGE plpgsql ${FUNCTION_SEARCH_PATH} AS $body$
  DECLARE
    now_ms double precision := extract(epoch FROM clock_timestamp()) * 1000;
    horizon double precision := now_ms + ${MAX_HORIZON_MS};
    target_count integer := coalesce(array_length(p_scopes, 1), 0);
    rule_count integer := coalesce(array_length(p_names, 1), 0);
    states jsonb[];
    blocked double precision[];
    exhausted double precision[];
    changed boolean[];
    -- Per rule: the loaded state, and what counts now.
    starts double precision[];
    used double precision[];
    tats double precision[];
    buckets jsonb[];
    -- Per rule: the verdict.
    out_fits boolean[];
    out_remaining double precision[];
    out_reset double precision[];
    out_retry double precision[];
    lock_key bigint;
    t integer;
    i integer;
    rule_state jsonb;
    algorithm text;
    window_ms double precision;
    rule_limit double precision;
    parameter double precision;
    cost double precision;
    size double precision;
    current_bucket bigint;
    oldest bigint;
    interval_ms double precision;
    capacity double precision;
    rule_fits boolean;
    never boolean;
    after double precision;
    newest bigint;
    left_over double precision;
    bucket record;
    refund_index bigint;
    held double precision;
    refund double precision;
    checked double precision;
    all_fit boolean := true;
    any_blocked boolean := false;
    charging boolean;
    denied boolean;
    counts_until double precision;
    keep double precision;
    longest double precision;
    live_buckets jsonb;
    live_used double precision;
  BEGIN
    IF p_mode <> 'peek' THEN
      -- One lock per stored row, taken in a fixed order so concurrent calls never deadlock. Advisory,
      -- so rows that do not exist yet are covered too. The text of a JSON array is injective.
      FOR lock_key IN
        SELECT DISTINCT hashtextextended(jsonb_build_array(p_limiter, s, k)::text, 0) AS h
        FROM unnest(p_scopes, p_keys) AS pair(s, k) ORDER BY h
      LOOP
        PERFORM pg_advisory_xact_lock(lock_key);
      END LOOP;
    END IF;

    FOR t IN 1 .. target_count LOOP
      SELECT r.state, r.blocked_until INTO rule_state, held
        FROM ${schema}.rate_limit_state r
        WHERE r.limiter = p_limiter AND r.scope = p_scopes[t] AND r.key = p_keys[t];
      states[t] := coalesce(rule_state, '{}'::jsonb);
      blocked[t] := coalesce(held, 0);
      exhausted[t] := 0;
      changed[t] := false;
      IF blocked[t] > now_ms THEN any_blocked := true; END IF;
    END LOOP;

    -- Load every rule.
    FOR i IN 1 .. rule_count LOOP
      t := p_rule_targets[i];
      rule_state := states[t] -> p_names[i];
      IF rule_state IS NOT NULL AND rule_state ->> 'a' IS DISTINCT FROM p_algorithms[i] THEN
        rule_state := NULL; -- the rule changed algorithm: start over
      END IF;
      window_ms := p_windows[i];
      rule_limit := p_limits[i];
      parameter := p_parameters[i];
      IF p_algorithms[i] = 'f' THEN
        IF parameter = 1 THEN
          starts[i] := floor(now_ms / window_ms) * window_ms;
        ELSIF rule_state IS NOT NULL AND now_ms < (rule_state ->> 's')::double precision + window_ms THEN
          starts[i] := (rule_state ->> 's')::double precision;
        ELSE
          starts[i] := floor(now_ms);
        END IF;
        used[i] := CASE WHEN rule_state IS NOT NULL AND (rule_state ->> 's')::double precision = starts[i]
                        THEN (rule_state ->> 'u')::double precision ELSE 0 END;
        capacity := rule_limit;
      ELSIF p_algorithms[i] = 's' THEN
        size := window_ms / parameter;
        oldest := floor(now_ms / size)::bigint - parameter::bigint;
        -- Only buckets that still count are kept.
        SELECT coalesce(jsonb_object_agg(b.key, b.value::double precision), '{}'::jsonb),
               coalesce(sum(b.value::double precision), 0)
          INTO live_buckets, live_used
          FROM jsonb_each_text(coalesce(rule_state -> 'b', '{}'::jsonb)) AS b
          WHERE b.key::bigint >= oldest AND b.value::double precision > 0;
        buckets[i] := live_buckets;
        used[i] := live_used;
        IF used[i] < rule_limit * 1e-9 THEN used[i] := 0; END IF;
        capacity := rule_limit;
      ELSE
        interval_ms := window_ms / rule_limit;
        tats[i] := least(horizon, greatest(coalesce((rule_state ->> 't')::double precision, now_ms), now_ms));
        used[i] := (tats[i] - now_ms) / interval_ms;
        capacity := parameter;
      END IF;
      IF p_mode IN ('limit', 'peek') AND NOT ${schema}.rate_limit_fits(used[i], p_costs[i], capacity) THEN
        all_fit := false;
      END IF;
    END LOOP;

    charging := p_mode = 'limit' AND all_fit AND NOT any_blocked;
    denied := p_mode IN ('limit', 'peek') AND NOT (all_fit AND NOT any_blocked);
    checked := CASE WHEN p_mode = 'reconcile' AND p_extra IS NOT NULL THEN p_extra ELSE now_ms END;

    FOR i IN 1 .. rule_count LOOP
      t := p_rule_targets[i];
      algorithm := p_algorithms[i];
      window_ms := p_windows[i];
      rule_limit := p_limits[i];
      parameter := p_parameters[i];
      cost := p_costs[i];
      -- Reconcile: apply the signed cost first (even past the limit), then report with cost 0.
      IF p_mode = 'reconcile' AND cost <> 0 THEN
        changed[t] := true;
        IF algorithm = 'f' THEN
          -- A refund for an earlier window would wrongly free room in this one; with nothing used,
          -- a refund leaves the state alone (it never opens a first-hit window).
          IF cost >= 0 OR used[i] > 0 THEN
            IF cost >= 0 THEN
              used[i] := used[i] + cost;
            ELSIF checked >= starts[i] AND checked < starts[i] + window_ms THEN
              used[i] := greatest(0, used[i] + cost);
            END IF;
            states[t] := states[t] || jsonb_build_object(p_names[i], jsonb_build_object('a', 'f', 's', starts[i], 'u', used[i]));
          END IF;
        ELSIF algorithm = 's' THEN
          size := window_ms / parameter;
          current_bucket := floor(now_ms / size)::bigint;
          IF cost >= 0 THEN
            buckets[i] := buckets[i] || jsonb_build_object(current_bucket::text,
              coalesce((buckets[i] ->> current_bucket::text)::double precision, 0) + cost);
            used[i] := used[i] + cost;
          ELSE
            -- A refund comes out of the bucket the call was charged to, if that still counts.
            refund_index := least(current_bucket, floor(checked / size)::bigint);
            held := coalesce((buckets[i] ->> refund_index::text)::double precision, 0);
            refund := least(held, -cost);
            IF refund >= held - rule_limit * 1e-9 THEN
              buckets[i] := buckets[i] - refund_index::text;
            ELSE
              buckets[i] := buckets[i] || jsonb_build_object(refund_index::text, held - refund);
            END IF;
            used[i] := greatest(0, used[i] - refund);
            IF used[i] < rule_limit * 1e-9 THEN used[i] := 0; END IF;
          END IF;
          states[t] := states[t] || jsonb_build_object(p_names[i], jsonb_build_object('a', 's', 'b', buckets[i]));
        ELSE
          interval_ms := window_ms / rule_limit;
          -- Debt saturates at the horizon.
          tats[i] := least(horizon, greatest(now_ms, tats[i] + cost * interval_ms));
          used[i] := (tats[i] - now_ms) / interval_ms;
          states[t] := states[t] || jsonb_build_object(p_names[i], jsonb_build_object('a', 't', 't', tats[i]));
        END IF;
        cost := 0;
      END IF;

      -- The verdict (checkRule): before the charge; reports the state after it when charging.
      IF algorithm = 'f' THEN
        rule_fits := ${schema}.rate_limit_fits(used[i], cost, rule_limit);
        never := NOT rule_fits AND cost > rule_limit + rule_limit * 1e-9;
        after := CASE WHEN rule_fits AND charging THEN used[i] + cost ELSE used[i] END;
        out_remaining[i] := greatest(0, rule_limit - after);
        out_reset[i] := CASE WHEN after > 0 THEN starts[i] + window_ms ELSE now_ms END;
        out_retry[i] := CASE WHEN rule_fits THEN 0 WHEN never THEN -1 ELSE starts[i] + window_ms - now_ms END;
        IF denied AND NOT ${schema}.rate_limit_fits(used[i], 0, rule_limit) THEN
          exhausted[t] := greatest(exhausted[t], starts[i] + window_ms - now_ms);
        END IF;
      ELSIF algorithm = 's' THEN
        size := window_ms / parameter;
        current_bucket := floor(now_ms / size)::bigint;
        rule_fits := ${schema}.rate_limit_fits(used[i], cost, rule_limit);
        never := NOT rule_fits AND cost > rule_limit + rule_limit * 1e-9;
        IF rule_fits AND charging AND cost > 0 THEN
          newest := current_bucket;
        ELSE
          SELECT max(b.key::bigint) INTO newest FROM jsonb_object_keys(buckets[i]) AS b(key);
        END IF;
        out_remaining[i] := greatest(0, rule_limit - CASE WHEN rule_fits AND charging THEN used[i] + cost ELSE used[i] END);
        out_reset[i] := CASE WHEN newest IS NULL THEN now_ms ELSE (newest + parameter + 1) * size END;
        out_retry[i] := CASE WHEN rule_fits THEN 0 WHEN never THEN -1 ELSE 0 END;
        IF (NOT rule_fits AND NOT never) OR (denied AND NOT ${schema}.rate_limit_fits(used[i], 0, rule_limit)) THEN
          -- Ms until the usage, dropping as buckets expire (oldest first), leaves room.
          left_over := used[i];
          held := NULL; -- retry found
          refund := NULL; -- exhausted found
          FOR bucket IN
            SELECT b.key::bigint AS idx, b.value::double precision AS amount
            FROM jsonb_each_text(buckets[i]) AS b ORDER BY 1
          LOOP
            left_over := left_over - bucket.amount;
            IF held IS NULL AND ${schema}.rate_limit_fits(greatest(0, left_over), cost, rule_limit) THEN
              held := (bucket.idx + parameter + 1) * size - now_ms;
            END IF;
            IF refund IS NULL AND ${schema}.rate_limit_fits(greatest(0, left_over), 0, rule_limit) THEN
              refund := (bucket.idx + parameter + 1) * size - now_ms;
            END IF;
          END LOOP;
          IF NOT rule_fits AND NOT never THEN out_retry[i] := coalesce(held, 0); END IF;
          IF denied AND NOT ${schema}.rate_limit_fits(used[i], 0, rule_limit) THEN
            exhausted[t] := greatest(exhausted[t], coalesce(refund, 0));
          END IF;
        END IF;
      ELSE
        interval_ms := window_ms / rule_limit;
        capacity := parameter * interval_ms;
        rule_fits := ${schema}.rate_limit_fits(used[i], cost, parameter);
        never := NOT rule_fits AND cost > parameter + parameter * 1e-9;
        after := CASE WHEN rule_fits AND charging THEN tats[i] + cost * interval_ms ELSE tats[i] END;
        out_remaining[i] := greatest(0, (capacity - (after - now_ms)) / interval_ms);
        out_reset[i] := after;
        out_retry[i] := CASE WHEN rule_fits THEN 0 WHEN never THEN -1
                             ELSE greatest(0, tats[i] + cost * interval_ms - capacity - now_ms) END;
        IF denied AND NOT ${schema}.rate_limit_fits(used[i], 0, parameter) THEN
          exhausted[t] := greatest(exhausted[t], greatest(0, tats[i] - capacity - now_ms) + 1);
        END IF;
      END IF;
      out_fits[i] := rule_fits;

      -- The charge of an admitted limit() call (chargeRule), after its verdict.
      IF charging AND cost > 0 THEN
        changed[t] := true;
        IF algorithm = 'f' THEN
          used[i] := used[i] + cost;
          states[t] := states[t] || jsonb_build_object(p_names[i], jsonb_build_object('a', 'f', 's', starts[i], 'u', used[i]));
        ELSIF algorithm = 's' THEN
          buckets[i] := buckets[i] || jsonb_build_object(current_bucket::text,
            coalesce((buckets[i] ->> current_bucket::text)::double precision, 0) + cost);
          used[i] := used[i] + cost;
          states[t] := states[t] || jsonb_build_object(p_names[i], jsonb_build_object('a', 's', 'b', buckets[i]));
        ELSE
          tats[i] := least(horizon, greatest(now_ms, tats[i] + cost * interval_ms));
          used[i] := (tats[i] - now_ms) / interval_ms;
          states[t] := states[t] || jsonb_build_object(p_names[i], jsonb_build_object('a', 't', 't', tats[i]));
        END IF;
      END IF;
    END LOOP;

    IF p_mode = 'block' THEN
      FOR t IN 1 .. target_count LOOP
        blocked[t] := greatest(blocked[t], now_ms + p_extra);
        changed[t] := true;
      END LOOP;
    END IF;

    -- Write what changed; a row in which nothing counts any more is deleted.
    FOR t IN 1 .. target_count LOOP
      IF changed[t] THEN
        counts_until := blocked[t];
        longest := 0;
        FOR i IN 1 .. rule_count LOOP
          CONTINUE WHEN p_rule_targets[i] <> t;
          longest := greatest(longest, p_windows[i]);
          keep := 0;
          IF used[i] > 0 THEN
            IF p_algorithms[i] = 'f' THEN keep := starts[i] + p_windows[i];
            ELSIF p_algorithms[i] = 's' THEN
              size := p_windows[i] / p_parameters[i];
              SELECT (max(b.key::bigint) + p_parameters[i] + 1) * size INTO keep FROM jsonb_object_keys(buckets[i]) AS b(key);
            ELSE keep := tats[i];
            END IF;
          END IF;
          counts_until := greatest(counts_until, coalesce(keep, 0));
        END LOOP;
        IF counts_until <= now_ms THEN
          DELETE FROM ${schema}.rate_limit_state r
            WHERE r.limiter = p_limiter AND r.scope = p_scopes[t] AND r.key = p_keys[t];
        ELSE
          INSERT INTO ${schema}.rate_limit_state AS r (limiter, scope, key, blocked_until, state, expires_at)
            VALUES (p_limiter, p_scopes[t], p_keys[t], blocked[t], states[t],
                    to_timestamp((counts_until + least(1000, longest)) / 1000))
            ON CONFLICT (limiter, scope, key) DO UPDATE
              SET blocked_until = EXCLUDED.blocked_until, state = EXCLUDED.state, expires_at = EXCLUDED.expires_at;
        END IF;
      END IF;
      IF denied AND blocked[t] > now_ms THEN exhausted[t] := greatest(exhausted[t], blocked[t] - now_ms); END IF;
    END LOOP;

    FOR i IN 1 .. rule_count LOOP
      t := p_rule_targets[i];
      checked_at := now_ms;
      target := t;
      blocked_until := blocked[t];
      denies_all_for := CASE WHEN denied THEN exhausted[t] ELSE 0 END;
      fits := out_fits[i];
      remaining := out_remaining[i];
      reset_at := out_reset[i];
      retry_after := out_retry[i];
      RETURN NEXT;
    END LOOP;
  END
  $body$`;
}
