import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBroadcast } from './broadcast/postgres-broadcast.js';
import { PostgresCircuitBreaker } from './circuit-breaker/postgres-circuit-breaker.js';
import { PostgresConversationMemory } from './conversation-memory/postgres-conversation-memory.js';
import { schemaIdentifier } from './internal/schema-identifier.js';
import { migrate } from './migrate.js';

// Two valid schema names of the maximum length that differ only after 60 characters: PostgreSQL
// cuts identifiers (NOTIFY channels, prepared-statement names) at 63 bytes, so anything derived from
// the schema by appending to it would collide.
const SHARED_PREFIX = 'p'.repeat(60);
const SCHEMA_ONE = `${SHARED_PREFIX}one`;
const SCHEMA_TWO = `${SHARED_PREFIX}two`;

describe('schemaIdentifier', () => {
  it('fits 63 bytes for the longest schema and differs between schemas', () => {
    const one = schemaIdentifier(SCHEMA_ONE, 'semantic-cache.detect-vector');
    expect(Buffer.byteLength(one)).toBeLessThanOrEqual(63);
    expect(one).not.toBe(schemaIdentifier(SCHEMA_TWO, 'semantic-cache.detect-vector'));
    expect(() => schemaIdentifier(SCHEMA_ONE, 'x'.repeat(40))).toThrow(/too long/);
  });
});

describe.runIf(requiresPostgres('long schema names'))('drivers on two 63-character schemas', () => {
  const postgres = usePostgres();
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = postgres.newPool({ max: 10 });
    for (const schema of [SCHEMA_ONE, SCHEMA_TWO])
      await migrate(pool, { schema, primitives: ['broadcast', 'circuit-breaker', 'conversation-memory'] });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('keeps broadcasts of one schema from the other, inline and stored', async () => {
    const publisher = new PostgresBroadcast({ pool, schema: SCHEMA_ONE });
    const sameSchema = new PostgresBroadcast({ pool, schema: SCHEMA_ONE });
    const otherSchema = new PostgresBroadcast({ pool, schema: SCHEMA_TWO });
    try {
      const heardInOne: string[] = [];
      const heardInTwo: string[] = [];
      let bothHeardInOne!: () => void;
      let markerHeard!: () => void;
      const bothHeard = new Promise<void>((resolve) => (bothHeardInOne = resolve));
      const marker = new Promise<void>((resolve) => (markerHeard = resolve));
      // `subscribe` resolves once the LISTEN is in place.
      await sameSchema.subscribe('secret', (message) => {
        heardInOne.push(message.message);
        if (heardInOne.length === 2) bothHeardInOne();
      });
      await otherSchema.subscribe('secret', (message) => {
        heardInTwo.push(message.message);
        if (message.message === 'marker') markerHeard();
      });
      // A 9,000-byte message does not fit a NOTIFY payload: it goes through the table.
      const large = 'x'.repeat(9_000);
      await publisher.publish('secret', 'private to schema one');
      await publisher.publish('secret', large);
      await bothHeard;
      // Notifications reach a listener in commit order: a leak would arrive before the marker.
      const markerPublisher = new PostgresBroadcast({ pool, schema: SCHEMA_TWO });
      await markerPublisher.publish('secret', 'marker');
      await markerPublisher.close();
      await marker;
      expect(heardInOne).toEqual(['private to schema one', large]);
      expect(heardInTwo).toEqual(['marker']);
    } finally {
      await Promise.all([publisher.close(), sameSchema.close(), otherSchema.close()]);
    }
  });

  it('runs the same statements of both schemas on one connection without a name collision', async () => {
    const oneConnection = postgres.newPool({ max: 1 });
    try {
      const inOne = new PostgresConversationMemory({ pool: oneConnection, schema: SCHEMA_ONE });
      const inTwo = new PostgresConversationMemory({ pool: oneConnection, schema: SCHEMA_TWO });
      const address = { userId: 'user', conversationId: 'conversation' };
      await inOne.append(address, [{ role: 'user', content: 'in schema one' }]);
      await inTwo.append(address, [{ role: 'user', content: 'in schema two' }]);
      expect((await inOne.read(address)).map((message) => message.content)).toEqual(['in schema one']);
      expect((await inTwo.read(address)).map((message) => message.content)).toEqual(['in schema two']);
    } finally {
      await oneConnection.end();
    }
  });

  it('shares a trip within the schema, and only there', async () => {
    const policy = { consecutiveFailures: 2, minimumCalls: 1, openMs: 60_000, maxStalenessMs: 60_000 };
    const tripping = new PostgresCircuitBreaker({ ...policy, pool, schema: SCHEMA_ONE });
    const watching = new PostgresCircuitBreaker({ ...policy, pool, schema: SCHEMA_ONE });
    const otherSchema = new PostgresCircuitBreaker({ ...policy, pool, schema: SCHEMA_TWO });
    expect(await Promise.all([tripping.listening(), watching.listening(), otherSchema.listening()])).toEqual([
      true,
      true,
      true,
    ]);
    try {
      expect((await watching.acquire('shared')).admitted).toBe(true);
      expect((await otherSchema.acquire('shared')).admitted).toBe(true);
      const heard = new Promise((resolve) =>
        watching.onEvent((event) => {
          if (event.type === 'state-change' && event.origin === 'remote') resolve(event.to);
        }),
      );
      for (let call = 0; call < 2; call++)
        await tripping.execute('shared', () => Promise.reject(new Error('down'))).catch(() => undefined);
      expect(await heard).toBe('open');
      expect((await watching.acquire('shared')).admitted).toBe(false);
      // The state change committed (it rolls back when pg_notify refuses the channel).
      const { rows } = await pool.query(
        `SELECT name FROM ${SCHEMA_ONE}.circuit_breaker WHERE name = 'shared'`,
      );
      expect(rows).toHaveLength(1);
      expect((await otherSchema.acquire('shared')).admitted).toBe(true);
    } finally {
      await Promise.all([tripping.close(), watching.close(), otherSchema.close()]);
    }
  });
});
