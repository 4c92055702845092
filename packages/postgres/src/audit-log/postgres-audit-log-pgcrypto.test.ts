import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresAuditLog } from './postgres-audit-log.js';

// pgcrypto (the audit chain's SHA-1) is per database while `migrate()` works per schema: these
// tests start on a database without it, as a new deployment does.
describe.runIf(requiresPostgres('PostgresAuditLog on pgcrypto'))('PostgresAuditLog and pgcrypto', () => {
  const postgres = usePostgres();
  const schemas = ['audit_one', 'audit_two', 'audit_three', 'audit_four', 'audit_five'];

  async function recordsAndVerifies(schema: string): Promise<void> {
    const log = new PostgresAuditLog({ pool: postgres.pool, schema, defaultTenantId: 'tenant' });
    await log.record({ type: 'custom.step', layer: 'state', data: { schema } });
    expect(await log.verify()).toMatchObject({ valid: true });
  }

  it('migrates five schemas at once on a fresh database, and dropping one leaves the others working', async () => {
    const { rows: before } = await postgres.pool.query(
      `SELECT 1 FROM pg_extension WHERE extname = 'pgcrypto'`,
    );
    expect(before).toEqual([]);
    const pools = schemas.map(() => postgres.newPool({ max: 1 }));
    try {
      await Promise.all(
        schemas.map((schema, index) => migrate(pools[index]!, { schema, primitives: ['audit-log'] })),
      );
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    for (const schema of schemas) await recordsAndVerifies(schema);
    await postgres.pool.query(`DROP SCHEMA ${schemas[0]} CASCADE`);
    for (const schema of schemas.slice(1)) await recordsAndVerifies(schema);
  });

  it('repairs the hash function when migrate() runs again after the extension went', async () => {
    await postgres.pool.query('DROP EXTENSION pgcrypto CASCADE');
    await expect(recordsAndVerifies('audit_two')).rejects.toThrow();
    await migrate(postgres.pool, { schema: 'audit_two', primitives: ['audit-log'] });
    await recordsAndVerifies('audit_two');
  });
});
