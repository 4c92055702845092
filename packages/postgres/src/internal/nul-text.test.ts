import { InvalidInputError } from '@tristack/core';
import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobQueue } from '../job-queue/postgres-job-queue.js';
import { migrate } from '../migrate.js';
import { runStatement, statement } from './sql.js';

describe.runIf(requiresPostgres('U+0000 in text values'))(
  'U+0000 (NUL) in values PostgreSQL text cannot hold',
  () => {
    const postgres = usePostgres();
    beforeAll(async () => {
      await migrate(postgres.pool, { primitives: ['job-queue'] });
      await postgres.pool.query('CREATE TABLE nul_probe (value text, document jsonb)');
    });

    it('refuses a text parameter holding NUL with InvalidInputError, writing nothing', async () => {
      const insert = statement(
        'nul.insert-text',
        'tristack',
        () => 'INSERT INTO nul_probe (value) VALUES ($1)',
      );
      await expect(runStatement(postgres.pool, insert, ['a\u0000b'])).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      const insertMany = statement(
        'nul.insert-array',
        'tristack',
        () => 'INSERT INTO nul_probe (value) SELECT unnest($1::text[])',
      );
      await expect(runStatement(postgres.pool, insertMany, [['ok', 'a\u0000']])).rejects.toSatisfy(
        InvalidInputError.isInstance,
      );
      const insertJson = statement(
        'nul.insert-json',
        'tristack',
        () => 'INSERT INTO nul_probe (document) VALUES ($1::jsonb)',
      );
      await expect(
        runStatement(postgres.pool, insertJson, [JSON.stringify({ t: 'a\u0000b' })]),
      ).rejects.toSatisfy(InvalidInputError.isInstance);
      const { rows } = await postgres.pool.query('SELECT count(*)::int AS count FROM nul_probe');
      expect(rows).toEqual([{ count: 0 }]);
    });

    it('refuses a cancel reason holding NUL, leaving the job as it was; a payload keeps its NUL', async () => {
      const queue = new PostgresJobQueue({ pool: postgres.pool });
      try {
        const id = await queue.enqueue('nul', { text: 'keeps\u0000nul' });
        await expect(queue.cancel(id, 'reason\u0000')).rejects.toSatisfy(InvalidInputError.isInstance);
        const job = await queue.getJob(id);
        expect(job).toMatchObject({ state: 'waiting', payload: { text: 'keeps\u0000nul' } });
      } finally {
        await queue.close();
      }
    });
  },
);
