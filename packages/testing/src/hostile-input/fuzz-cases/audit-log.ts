// Audit trails queried by hostile tenant, user and conversation ids: each query sees its own event only.
import type { AuditLog, AuditQuery } from '@tristack/core';
import type { FuzzCase, FuzzDriverFactory, FuzzTarget } from '../fuzz-target.js';
import { hostileIds } from '../hostile-ids.js';
import { IdentityTally, inChunks } from '../identity-tally.js';

type Field = 'tenantId' | 'userId' | 'conversationId';

async function fuzzField<Client>(
  target: FuzzTarget<Client>,
  create: FuzzDriverFactory<AuditLog, Client>,
  field: Field,
): Promise<IdentityTally> {
  const api = `audit log ${field}`;
  const log = await create(target, api);
  const tally = new IdentityTally(api);
  const ids = hostileIds(api, target.count);
  // Other fields fixed: one tenant for the user and conversation runs, so their events share a chain;
  // one user for the conversation run, since a conversation id is per user.
  const fixed = field === 'conversationId' ? { tenantId: 'fuzz', userId: 'fuzz-user' } : { tenantId: 'fuzz' };
  const scope = (id: string) => ({ ...fixed, [field]: id }) as { tenantId: string } & Record<Field, string>;
  const accepted: number[] = [];
  await inChunks(ids, target.concurrency, async (id, index) => {
    const outcome = await tally.attempt(id, () =>
      log.record({ type: 'custom.fuzz', layer: 'state', ...scope(id), data: { marker: index } }),
    );
    if (outcome === 'accepted') accepted.push(index);
  });
  await inChunks(accepted, target.concurrency, async (index) => {
    const id = ids[index]!;
    const page = await tally.check(id, () => log.query(scope(id) as AuditQuery));
    const seen = page?.events.map((event) => [event[field], (event.data as { marker?: number }).marker]);
    if (seen && JSON.stringify(seen) !== JSON.stringify([[id, index]]))
      tally.collision(id, `query returned ${JSON.stringify(seen)}`);
  });
  if (field === 'tenantId')
    // Each tenant's own chain holds its one event, untouched by the others.
    await inChunks(accepted, target.concurrency, async (index) => {
      const id = ids[index]!;
      const verdict = await tally.check(id, () => log.verify(id));
      if (verdict && (!verdict.valid || verdict.checked !== 1 || verdict.tenantId !== id))
        tally.collision(id, `verify: ${JSON.stringify(verdict)}`);
    });
  return tally;
}

/** The audit log's query fields, fuzzed on the logs `create` builds. */
export const auditLogFuzzCase =
  <Client>(create: FuzzDriverFactory<AuditLog, Client>): FuzzCase<Client> =>
  async (target) => [
    await fuzzField(target, create, 'tenantId'),
    await fuzzField(target, create, 'userId'),
    await fuzzField(target, create, 'conversationId'),
  ];
