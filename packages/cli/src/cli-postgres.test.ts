import type { AuditEvent, AuditVerifyResult, CircuitSnapshot } from '@tristack/core';
import {
  PostgresAuditLog,
  PostgresCircuitBreaker,
  PostgresConversationMemory,
  PostgresJobQueue,
  PostgresRateLimiter,
  migrate,
} from '@tristack/postgres';
import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import type { LimitEntry } from './commands/inspect-limits.js';
import type { CliIo } from './output.js';
import { runInProcess } from './run-cli.fixture.js';

/** The same commands as on Redis, reading a deployment on the Postgres drivers (state seeded by them). */
describe.runIf(requiresPostgres('tristack --postgres-url'))('tristack --postgres-url', () => {
  const postgres = usePostgres();
  // No Redis anywhere: a command that touched it would fail to connect.
  const tristack = (...args: string[]) =>
    runInProcess(['--postgres-url', postgres.url, '--url', 'redis://127.0.0.1:1', ...args]);

  beforeAll(async () => {
    await migrate(postgres.pool);
  });

  it('verifies a tenant’s chain, tails it, and reports a deleted entry with exit code 1', async () => {
    const log = new PostgresAuditLog({ pool: postgres.pool });
    const events: AuditEvent[] = [];
    for (const tool of ['a', 'b', 'c'])
      events.push(
        await log.record({
          type: 'tool.call.executed',
          tenantId: 'acme',
          userId: 'alice',
          conversationId: '1',
          data: { tool },
        }),
      );
    const valid = await tristack('audit', 'verify', 'acme');
    expect(valid).toMatchObject({ code: 0, stderr: '' });
    expect(valid.stdout).toMatch(
      /^valid: tenant acme, 3 entries checked \(head sequence 3, hash [0-9a-f]+\)\n$/,
    );

    // The tail: `--follow` prints what is recorded after it started, until Ctrl-C.
    const controller = new AbortController();
    let followed = '';
    const io: CliIo = {
      stdout: { write: (text: string) => (followed += text), isTTY: false },
      stderr: { write: () => true, isTTY: false },
      env: {},
    };
    const tail = runCli(
      ['--postgres-url', postgres.url, 'audit', 'user', 'alice', '-t', 'acme', '--follow', '--json'],
      io,
      { signal: controller.signal },
    );
    // It starts at the end of the chain: record until one event arrives (when it listens is not observable).
    let recorded = 0;
    while (!followed.includes('"tool":"d"') && recorded < 50) {
      await log.record({
        type: 'tool.call.executed',
        tenantId: 'acme',
        userId: 'alice',
        data: { tool: 'd' },
      });
      recorded += 1;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    controller.abort();
    expect(await tail).toBe(0);
    expect(followed).toContain('"tool":"d"');

    const conversation = await tristack('audit', 'conversation', 'alice', '1', '--tenant', 'acme', '--json');
    expect(conversation.code).toBe(0);
    const page = JSON.parse(conversation.stdout) as { events: AuditEvent[] };
    expect(page.events.map((event) => event.data['tool'])).toEqual(['a', 'b', 'c']);

    await postgres.pool.query('DELETE FROM tristack.audit_entries WHERE tenant_id = $1 AND sequence = 2', [
      'acme',
    ]);
    const broken = await tristack('audit', 'verify', 'acme', '--json');
    expect(broken.code).toBe(1);
    const result = JSON.parse(broken.stdout) as AuditVerifyResult;
    expect(result).toMatchObject({ tenantId: 'acme', valid: false });
    expect(result.issues).toMatchObject([{ kind: 'deleted', sequence: 2, missing: 1, id: events[2]!.id }]);
  });

  it('inspects a conversation: that user’s memory and audit events', async () => {
    const memory = new PostgresConversationMemory({ pool: postgres.pool });
    for (const user of ['carol', 'dave'])
      await memory.append({ tenantId: 'acme', userId: user, conversationId: '7' }, [
        { role: 'user', content: `${user} msg` },
      ]);
    const run = await tristack('inspect', 'conversation', 'carol', '7', '--tenant', 'acme', '--json');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const state = JSON.parse(run.stdout) as {
      memory: { messages: { content: string }[] };
      lease: { held: boolean };
    };
    expect(state.memory.messages.map((message) => message.content)).toEqual(['carol msg']);
    expect(state.lease.held).toBe(false);
  });

  it('shows the rate-limiter counters of a key', async () => {
    const limiter = new PostgresRateLimiter({
      pool: postgres.pool,
      name: 'api',
      limits: [
        {
          name: 'rpm',
          scope: 'user',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 10,
          windowMs: 60_000,
        },
      ],
    });
    for (let call = 0; call < 3; call += 1) await limiter.limit({ user: 'erin' });
    const json = await tristack('inspect', 'limits', 'erin', '--json');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    const { entries } = JSON.parse(json.stdout) as { entries: LimitEntry[] };
    expect(entries.map((entry) => [entry.limiter, entry.scope, entry.id, entry.rules[0]?.used])).toEqual([
      ['api', 'user', 'erin', 3],
    ]);
    const text = await tristack('inspect', 'limits', 'erin');
    expect(text.stdout).toMatch(/api\s+user\s+rpm\s+fixed-window\s+3\s+no/);
  });

  it('lists circuit breakers with their state', async () => {
    const breaker = new PostgresCircuitBreaker({
      pool: postgres.pool,
      consecutiveFailures: 3,
      windowMs: 60_000,
      openMs: 300_000,
    });
    try {
      for (let call = 0; call < 3; call += 1)
        await breaker.execute('payments', () => Promise.reject(new Error('down'))).catch(() => undefined);
    } finally {
      await breaker.close();
    }
    const json = await tristack('inspect', 'breakers', '--json', '--window', '60000');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    const { breakers } = JSON.parse(json.stdout) as { breakers: CircuitSnapshot[] };
    expect(breakers).toEqual([expect.objectContaining({ name: 'payments', state: 'open', trips: 1 })]);
  });

  it('inspects a job queue: live counts, and an unknown queue is reported', async () => {
    const queue = new PostgresJobQueue({ pool: postgres.pool });
    try {
      for (const index of [1, 2, 3]) await queue.enqueue('emails', { index });
      await queue.enqueue('emails', { index: 4 }, { delayMs: 60_000 });
    } finally {
      await queue.close();
    }
    const text = await tristack('inspect', 'queue', 'emails');
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').slice(0, 3)).toEqual([
      'queue emails',
      'WAITING  ACTIVE  DELAYED  FAILED  DEAD  COMPLETED',
      expect.stringMatching(/^3\s+0\s+1\s+0\s+0\s+0$/),
    ]);
    const missing = await tristack('inspect', 'queue', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('queues: emails');
  });

  it('rejects a URL that is not postgres:// as a usage error, password masked', async () => {
    const run = await runInProcess(['--postgres-url', 'redis://user:secret@host', 'audit', 'verify']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected a postgres:// or postgresql:// URL');
    expect(run.stderr).not.toContain('secret');
  });
});
