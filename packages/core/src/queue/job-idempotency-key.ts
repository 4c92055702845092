import { compositeKey } from '../ids.js';

/**
 * Where a job's idempotency key is unique: inside its tenant (or among the tenant-less jobs),
 * never across tenants, so tenant B reusing tenant A's key gets its own job, not A's id and
 * result. Typed, encoded parts: `tenant=acme:idempotency=k` never equals a tenant-less
 * `idempotency=…`. `undefined` when the job has no idempotency key.
 */
export function jobIdempotencyScope(options: {
  readonly tenantId?: string | undefined;
  readonly idempotencyKey?: string | undefined;
}): string | undefined {
  if (options.idempotencyKey === undefined) return undefined;
  return compositeKey([
    ['tenant', options.tenantId],
    ['idempotency', options.idempotencyKey],
  ]);
}
