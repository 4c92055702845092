import { describeHostileInput } from '@tristack/testing/hostile-input';
import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe } from 'vitest';
import { migrate } from '../migrate.js';
import { postgresDrivers } from './state-drivers.js';

// The state layer's hostile-value table on the Postgres drivers (the file's own database): a rejected
// input leaves every table's rows unchanged.
describe.runIf(requiresPostgres('the Postgres hostile-input table'))('postgres', () => {
  const postgres = usePostgres();
  beforeAll(async () => {
    await migrate(postgres.pool);
  });
  describeHostileInput('postgres', () => postgresDrivers(postgres));
});
