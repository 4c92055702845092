import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidOptionsError } from '@tristack/core';
import { describeConversationMemory } from '@tristack/testing/conformance';
import { recordingPool, requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { sweepExpired } from '../sweeper.js';
import { PostgresConversationMemory } from './postgres-conversation-memory.js';

describe.runIf(requiresPostgres('PostgresConversationMemory'))('PostgresConversationMemory', () => {
  const postgres = usePostgres();
  beforeAll(async () => {
    await migrate(postgres.pool, { primitives: ['conversation-memory'] });
  });

  describeConversationMemory('PostgresConversationMemory', () => ({
    create: (options) => new PostgresConversationMemory({ ...options, pool: postgres.pool }),
    wait: sleep,
    cleanup: async () => {
      await postgres.pool.query('TRUNCATE tristack.conversation CASCADE');
    },
  }));

  it('appends, reads, lists and touches in one statement each', async () => {
    const pool = recordingPool(postgres.pool);
    const memory = new PostgresConversationMemory({ pool });
    const address = { tenantId: 'acme', userId: 'bob', conversationId: 'one-trip' };
    await memory.append(address, [{ role: 'user', content: 'hi' }]);
    await memory.append(address, [
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'bye' },
    ]);
    expect(pool.statements()).toHaveLength(2);
    pool.clear();
    expect(await memory.read(address, { last: 2, maxTokens: 1_000 })).toHaveLength(2);
    expect(pool.statements()).toHaveLength(1);
    pool.clear();
    expect(await memory.listConversations({ tenantId: 'acme', userId: 'bob' })).toHaveLength(1);
    expect(await memory.touch(address)).toBe(true);
    expect(pool.statements()).toHaveLength(2);
    expect(pool.checkouts()).toBe(0);
  });

  it('keeps every message of concurrent appends from several pools, with unique rising ids', async () => {
    const pools = Array.from({ length: 4 }, () => postgres.newPool({ max: 4 }));
    const memories = pools.map((pool) => new PostgresConversationMemory({ pool }));
    const address = { userId: 'racing', conversationId: 'c' };
    await Promise.all(
      Array.from({ length: 80 }, (_, index) =>
        memories[index % memories.length]!.append(address, [{ role: 'user', content: String(index) }]),
      ),
    );
    const messages = await memories[0]!.read(address);
    expect(messages).toHaveLength(80);
    expect(new Set(messages.map((message) => message.content)).size).toBe(80);
    const sequences = messages.map((message) => Number(message.id.split('-')[1]));
    expect(sequences).toEqual(Array.from({ length: 80 }, (_, index) => index + 1));
  });

  it('keys owners through compositeKey, so look-alike ids never meet', async () => {
    const memory = new PostgresConversationMemory({ pool: postgres.pool });
    await memory.append({ tenantId: 'a:user=b', userId: 'c', conversationId: 'x' }, [
      { role: 'user', content: 'one' },
    ]);
    await memory.append({ tenantId: 'a', userId: 'b:user=c', conversationId: 'x' }, [
      { role: 'user', content: 'two' },
    ]);
    const { rows } = await postgres.pool.query<{ owner: string }>(
      'SELECT owner FROM tristack.conversation WHERE conversation_id = \'x\' ORDER BY owner COLLATE "C"',
    );
    expect(rows.map((row) => row.owner)).toEqual([
      'tenant=a%3Auser%3Db:user=c',
      'tenant=a:user=b%3Auser%3Dc',
    ]);
    expect(await memory.read({ tenantId: 'a', userId: 'b:user=c', conversationId: 'x' })).toMatchObject([
      { content: 'two' },
    ]);
  });

  it('lets the sweeper delete expired conversations with their messages', async () => {
    await postgres.pool.query('TRUNCATE tristack.conversation CASCADE');
    const memory = new PostgresConversationMemory({ pool: postgres.pool, ttlMs: 1_000 });
    await memory.append({ userId: 'swept', conversationId: 'c' }, [{ role: 'user', content: 'old' }]);
    await memory.append({ userId: 'kept', conversationId: 'c' }, [{ role: 'user', content: 'new' }]);
    await postgres.pool.query(
      "UPDATE tristack.conversation SET expires_at = clock_timestamp() - interval '1 second' WHERE owner = 'user=swept'",
    );
    const { deleted } = await sweepExpired(postgres.pool, { batchSize: 10 });
    expect(deleted.conversation).toBe(1);
    const { rows } = await postgres.pool.query<{ count: string }>(
      'SELECT count(*) FROM tristack.conversation_message',
    );
    expect(Number(rows[0]?.count)).toBe(1);
  });

  it('rejects bad driver options', () => {
    expect(() => new PostgresConversationMemory({ pool: postgres.pool, schema: '1x' })).toThrow(
      InvalidOptionsError,
    );
    expect(() => new PostgresConversationMemory({ pool: postgres.pool, maxMessages: 0 })).toThrow(
      InvalidOptionsError,
    );
  });
});
