import type { PostgresSchemaPart } from '../internal/schema-part.js';

/**
 * One row per resource. The row outlives the lease (`holder_id` NULL once released or expired), so
 * the last fencing token stays and the next one is higher; `retain_until` (a week after the last
 * expiry) lets the sweeper drop rows of resources nobody leased since. Tokens keep rising even then:
 * a new token is at least the server's time in ms. A logged table: losing a fence would break
 * fencing after a crash.
 */
export const leaseSchema: PostgresSchemaPart = {
  primitive: 'lease',
  versions: [
    (schema) => [
      `CREATE TABLE ${schema}.lease (
         resource text PRIMARY KEY,
         holder_id text,
         fencing_token bigint NOT NULL,
         expires_at timestamptz NOT NULL,
         retain_until timestamptz NOT NULL)`,
      `CREATE INDEX lease_retain_until ON ${schema}.lease (retain_until)`,
    ],
  ],
  expiring: [{ table: 'lease', column: 'retain_until' }],
};
