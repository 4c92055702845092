import type { AuditEvent, AuditFollowOptions, AuditLogInspector, AuditQuery } from '@tristack/core';
import type { BaseAuditLog } from '@tristack/core/driver-kit';
import type { CliContext } from '../command.js';

/** An audit log the CLI can also tail: both drivers' logs. */
export type FollowableAuditLog = BaseAuditLog & {
  follow(query?: AuditQuery, options?: AuditFollowOptions): AsyncGenerator<AuditEvent>;
};

/** The deployment's audit log, read through the same driver that writes it. */
export async function auditLogOf(context: CliContext): Promise<FollowableAuditLog> {
  // Drivers load when a command runs, never for `--help`.
  if (context.postgres) {
    const { PostgresAuditLog } = await import('@tristack/postgres');
    return new PostgresAuditLog({
      pool: await context.postgres(),
      schema: context.prefix,
      defaultTenantId: context.tenantId,
    });
  }
  const { RedisAuditLog } = await import('@tristack/redis');
  return new RedisAuditLog({
    client: await context.redis(),
    prefix: context.prefix,
    defaultTenantId: context.tenantId,
  });
}

/** The read-only view of which tenants have an audit chain. */
export async function auditInspectorOf(context: CliContext): Promise<AuditLogInspector> {
  if (context.postgres) {
    const { PostgresAuditLog } = await import('@tristack/postgres');
    return new PostgresAuditLog({ pool: await context.postgres(), schema: context.prefix }).inspector();
  }
  const { RedisAuditLogInspector } = await import('@tristack/redis');
  return new RedisAuditLogInspector({ client: await context.redis(), prefix: context.prefix });
}
