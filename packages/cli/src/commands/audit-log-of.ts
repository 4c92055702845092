import { RedisAuditLog } from '@tristack/redis';
import type { CliContext } from '../command.js';

/** The deployment's audit log, read through the same driver that writes it. */
export async function auditLogOf(context: CliContext): Promise<RedisAuditLog> {
  return new RedisAuditLog({
    client: await context.redis(),
    prefix: context.prefix,
    defaultTenantId: context.tenantId,
  });
}
