import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent, AuditVerifyResult, CircuitSnapshot } from '@tristack/core';
import {
  RedisAuditLog,
  RedisConversationLease,
  RedisConversationMemory,
  RedisJobQueue,
  RedisCircuitBreaker,
  RedisRateLimiter,
  RedisSemanticCache,
} from '@tristack/redis';
import { semanticCacheRequest as ask } from '@tristack/testing/conformance';
import { freePort, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { type Run, runBinary, runInProcess, spawnBinary } from './run-cli.fixture.js';
import type { CacheTenantState } from './commands/inspect-cache.js';
import type { LimitEntry } from './commands/inspect-limits.js';
import type { CliIo } from './output.js';

const redis = useRedis();
// oxlint-disable-next-line no-control-regex -- asserting on ANSI escapes
const ANSI = /\u001B\[/;

/** Runs the real `tristack` binary against this test's database. */
function tristack(...args: string[]): Promise<Run> {
  return runBinary(['--url', `${redis.url}/${redis.database}`, ...args]);
}

/** Runs the CLI in this process with captured output (for cases that need no separate process). */
function inProcess(args: string[], tty = false): Promise<Run> {
  return runInProcess(args, { tty });
}

async function seed(): Promise<{ events: AuditEvent[] }> {
  const log = new RedisAuditLog({ client: redis.client, defaultTenantId: 'acme' });
  const memory = new RedisConversationMemory({ client: redis.client });
  const lease = new RedisConversationLease({ client: redis.client });
  const base = { userId: 'alice', conversationId: 'c-1', runId: 'run-1' };
  const events = [
    await log.record({ ...base, type: 'model.call.started', data: { model: 'gpt-test' } }),
    await log.record({
      ...base,
      type: 'model.call.finished',
      data: { model: 'gpt-test', cached: true, tokenUsage: { inputTokens: 12, outputTokens: 3 } },
    }),
    await log.record({
      ...base,
      type: 'tool.call.executed',
      data: {
        tool: 'Gmail.ListEmails',
        toolVersion: '2.0.1',
        executionId: 'exec-7',
        durationMs: 1250,
        authorizationStatus: 'completed',
      },
    }),
    await log.record({
      ...base,
      type: 'rate-limit.denied',
      data: { key: 'alice', limiter: 'per-user', retryAfterMs: 30_000 },
    }),
    await log.record({
      userId: 'bob',
      conversationId: 'c-2',
      type: 'cache.miss',
      data: { cache: 'answers' },
    }),
  ];
  await memory.append({ userId: 'alice', conversationId: 'c-1' }, [
    { role: 'user', content: 'What is in my inbox?' },
    { role: 'assistant', content: 'Three new emails.' },
  ]);
  await lease.acquire('c-1', { ttlMs: 60_000 });
  return { events };
}

describe('tristack (the binary, against a real server)', () => {
  it('prints a conversation’s audit trail as a readable table and as JSON', async () => {
    const { events } = await seed();
    const text = await tristack('audit', 'conversation', 'alice', 'c-1', '--tenant', 'acme');
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(ANSI);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['TIME', 'SEQ', 'LAYER', 'TYPE', 'ACTOR', 'OUTCOME', 'DETAIL']);
    expect(lines).toHaveLength(6);
    expect(lines[1]).toContain(new Date(events[0]!.timestamp).toISOString());
    // The runs of the page, so that `audit run` can be given one.
    expect(lines[5]).toBe('runs: run-1 (4) — see: tristack audit run <run-id>');
    expect(lines[2]).toMatch(
      /2\s+orchestration\s+model\.call\.finished\s+alice\s+cached\s+gpt-test · 12 in \/ 3 out tokens/,
    );
    expect(lines[3]).toMatch(
      /3\s+tool\s+tool\.call\.executed\s+alice\s+success\s+Gmail\.ListEmails@2\.0\.1 · 1\.3s · execution exec-7/,
    );
    expect(lines[4]).toMatch(
      /4\s+state\s+rate-limit\.denied\s+alice\s+denied\s+per-user · alice · retry in 30s/,
    );
    expect(text.stdout).not.toContain('bob');

    const json = await tristack(
      'audit',
      'conversation',
      'alice',
      'c-1',
      '--tenant',
      'acme',
      '--json',
      '--limit',
      '2',
    );
    expect(json.code).toBe(0);
    const page = JSON.parse(json.stdout) as { events: AuditEvent[]; nextCursor?: string; tenantId: string };
    expect(page).toMatchObject({ tenantId: 'acme', userId: 'alice', conversationId: 'c-1' });
    expect(page.events.map((event) => event.type)).toEqual(['model.call.started', 'model.call.finished']);
    expect(page.events[1]).toEqual(events[1]);
    expect(page.nextCursor).toBe(events[1]!.id);

    const user = await inProcess([
      '--url',
      `${redis.url}/${redis.database}`,
      'audit',
      'user',
      'bob',
      '--tenant',
      'acme',
      '--json',
    ]);
    expect((JSON.parse(user.stdout) as { events: AuditEvent[] }).events.map((event) => event.type)).toEqual([
      'cache.miss',
    ]);
  }, 90_000);

  it('verifies a tenant’s chain, and reports tampering with exit code 1', async () => {
    const { events } = await seed();
    const valid = await tristack('audit', 'verify', 'acme');
    expect(valid).toMatchObject({ code: 0 });
    expect(valid.stdout).toMatch(
      /^valid: tenant acme, 5 entries checked \(head sequence 5, hash [0-9a-f]{40}\)\n$/,
    );

    const log = new RedisAuditLog({ client: redis.client });
    await redis.client.sendCommand(['XDEL', log.keys('acme').log, events[2]!.id]);
    const broken = await tristack('audit', 'verify', 'acme');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN: tenant acme, 1 problem in 4 entries checked');
    expect(broken.stdout).toMatch(
      new RegExp(`deleted\\s+3\\s+${events[3]!.id}\\s+1 entry is missing before`),
    );
    const json = await tristack('audit', 'verify', 'acme', '--json');
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout) as AuditVerifyResult;
    expect(result).toMatchObject({ tenantId: 'acme', valid: false, checked: 4 });
    expect(result.issues).toMatchObject([{ kind: 'deleted', sequence: 3, missing: 1, id: events[3]!.id }]);
  }, 90_000);

  it('inspects a conversation: memory with TTL left, the lease holder, recent audit events', async () => {
    await seed();
    const text = await inProcess([
      '--url',
      `${redis.url}/${redis.database}`,
      'inspect',
      'conversation',
      'alice',
      'c-1',
      '--tenant',
      'acme',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^conversation c-1 of user alice \(tenant acme\)/);
    expect(text.stdout).toMatch(/recent audit events \(tenant acme\)\n {2}TIME/);
    // The memory was written without a tenant, so the tenant-scoped read finds nothing there…
    expect(text.stdout).toContain('no messages');
    const untenanted = await tristack('inspect', 'conversation', 'alice', 'c-1', '--json');
    const state = JSON.parse(untenanted.stdout) as {
      memory: { messageCount: number; ttlMs: number; messages: { role: string; content: string }[] };
      lease: { held: boolean; holderId: string; fencingToken: number; ttlMs: number };
      auditEvents: AuditEvent[];
    };
    expect(state.memory.messageCount).toBe(2);
    expect(state.memory.messages.map((message) => message.content)).toEqual([
      'What is in my inbox?',
      'Three new emails.',
    ]);
    expect(state.memory.ttlMs).toBeGreaterThan(0);
    expect(state.lease).toMatchObject({
      held: true,
      holderId: expect.any(String),
      fencingToken: expect.any(Number),
    });
    expect(state.lease.ttlMs).toBeGreaterThan(0);
    expect(state.lease.ttlMs).toBeLessThanOrEqual(60_000);
    expect(state.auditEvents).toEqual([]); // the events were recorded for tenant acme
    // …and the text view of the default tenant shows memory and lease.
    const plain = await tristack('inspect', 'conversation', 'alice', 'c-1');
    expect(plain.stdout).toMatch(/2 messages, last activity \S+, TTL left \d+/);
    expect(plain.stdout).toMatch(/user\s+\d+\s+What is in my inbox\?/);
    expect(plain.stdout).toMatch(/held by \S+, fencing token \d+, expires in \d+s/);
  }, 90_000);

  it('exports JSON Lines to stdout and to a file, and follows a user live', async () => {
    const { events } = await seed();
    const exported = await tristack('audit', 'export', 'acme');
    expect(exported.code).toBe(0);
    expect(
      exported.stdout
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as AuditEvent).id),
    ).toEqual(events.map((event) => event.id));
    const folder = mkdtempSync(join(tmpdir(), 'tristack-cli-'));
    try {
      const file = join(folder, 'audit.jsonl');
      const toFile = await inProcess([
        '--url',
        `${redis.url}/${redis.database}`,
        'audit',
        'export',
        '--tenant',
        'acme',
        '--user',
        'alice',
        '--output',
        file,
      ]);
      expect(toFile.stdout).toBe('');
      expect(toFile.stderr).toContain(`exported 4 events of tenant acme to ${file}`);
      expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(4);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }

    const since = Date.now();
    const child = spawnBinary([
      '--url',
      `${redis.url}/${redis.database}`,
      'audit',
      'user',
      'carol',
      '--tenant',
      'acme',
      '--follow',
      '--json',
      '--from',
      String(since),
    ]);
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const log = new RedisAuditLog({ client: redis.client, defaultTenantId: 'acme' });
      await log.record({
        userId: 'carol',
        type: 'lease.acquired',
        data: { lease: 'c-9', holder: 'worker-1' },
      });
      await log.record({ userId: 'dave', type: 'cache.hit', data: {} });
      await log.record({
        userId: 'carol',
        type: 'lease.lost',
        data: { lease: 'c-9', holder: 'worker-1', reason: 'expired' },
      });
      const deadline = Date.now() + 60_000;
      while (output.split('\n').filter(Boolean).length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const lines = output
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as AuditEvent);
      expect(lines.map((event) => event.type)).toEqual(['lease.acquired', 'lease.lost']);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
  it('inspects a job queue: live counts as a table and as JSON', async () => {
    const queue = new RedisJobQueue({ client: redis.client });
    try {
      for (const index of [1, 2, 3]) await queue.enqueue('emails', { index });
      await queue.enqueue('emails', { index: 4 }, { delayMs: 60_000 });
      await queue.enqueue('reports', { index: 5 });
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
    const json = await inProcess([
      '--url',
      `${redis.url}/${redis.database}`,
      'inspect',
      'queue',
      'reports',
      '--json',
    ]);
    expect(JSON.parse(json.stdout)).toEqual({
      queue: 'reports',
      stats: { waiting: 1, active: 0, delayed: 0, failed: 0, dead: 0, completed: 0 },
      deadLetters: [],
    });
  }, 90_000);
});

describe('tristack (in process)', () => {
  it('colours on a terminal and with --color, never with --json or when piped', async () => {
    await seed();
    const url = `${redis.url}/${redis.database}`;
    const tty = await inProcess(['--url', url, 'audit', 'run', 'run-1', '--tenant', 'acme'], true);
    expect(tty.stdout).toMatch(ANSI);
    const forced = await inProcess(['--url', url, 'audit', 'run', 'run-1', '--tenant', 'acme', '--color']);
    expect(forced.stdout).toMatch(ANSI);
    const piped = await inProcess(['--url', url, 'audit', 'run', 'run-1', '--tenant', 'acme']);
    expect(piped.stdout).not.toMatch(ANSI);
    expect(piped.stdout.trimEnd().split('\n')).toHaveLength(5);
    const json = await inProcess(['--url', url, 'audit', 'run', 'run-1', '--tenant', 'acme', '--json'], true);
    expect(json.stdout).not.toMatch(ANSI);
  });

  it('tails a run in text mode until aborted', async () => {
    const controller = new AbortController();
    let stdout = '';
    const io: CliIo = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      env: {},
    };
    const url = `${redis.url}/${redis.database}`;
    const running = runCli(
      ['--url', url, 'audit', 'run', 'run-42', '--follow', '--from', String(Date.now())],
      io,
      {
        signal: controller.signal,
      },
    );
    const log = new RedisAuditLog({ client: redis.client });
    await log.record({
      runId: 'run-42',
      userId: 'erin',
      type: 'job.failed',
      data: { queue: 'q', jobId: 'j-1', error: { message: 'boom' } },
    });
    const deadline = Date.now() + 10_000;
    while (!stdout.includes('boom') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect(await running).toBe(0);
    expect(stdout).toMatch(/^\S+Z\s+1\s+state\s+job\.failed\s+erin\s+failed\s+q · j-1 · boom\n$/);
  });

  it('answers usage errors with exit code 2 and a short usage hint, and an unreachable Redis with exit code 1', async () => {
    expect((await inProcess(['--help'])).stdout).toContain(
      'inspect conversation <user-id> <conversation-id>',
    );
    expect(await inProcess(['audit', 'verify', '--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('usage: tristack audit verify [tenant]'),
    });
    const usage = async (args: string[], says: string, hint: string) => {
      const run = await inProcess(args);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(run.stderr).toContain(says);
      // The message and the synopsis, not the whole help.
      expect(run.stderr).toMatch(new RegExp(`\n${hint.replace(/[[\]<>]/g, '\\$&')}.*\nsee: tristack`));
      expect(run.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(3);
    };
    await usage(['frobnicate'], 'unknown command "frobnicate"', 'usage: tristack <command>');
    await usage(['--frob'], "Unknown option '--frob'", 'usage: tristack <command>');
    await usage(
      ['audit', 'verify', '--follow'],
      'does not take --follow',
      'usage: tristack audit verify [tenant]',
    );
    // Missing arguments and option values.
    await usage(['audit', 'user'], 'exactly one user id', 'usage: tristack audit user <user-id>');
    await usage(
      ['inspect', 'conversation', 'alice'],
      'takes <user-id> <conversation-id>',
      'usage: tristack inspect conversation',
    );
    await usage(['audit', 'user', 'u', '--limit'], 'argument missing', 'usage: tristack <command>');
    // Bad option values.
    await usage(
      ['audit', 'user', 'u', '--from', 'yesterday-ish'],
      '--from: expected',
      'usage: tristack audit user',
    );
    await usage(
      ['audit', 'user', 'u', '--limit', 'many'],
      '--limit: expected a positive integer',
      'usage: tristack audit user',
    );
    await usage(
      ['audit', 'user', 'u', '--order', 'sideways'],
      '--order: asc or desc',
      'usage: tristack audit user',
    );
    await usage(
      ['inspect', 'breakers', '--window', '0'],
      '--window: expected a positive integer',
      'usage: tristack inspect breakers',
    );
    await usage(
      ['--url', 'not a url', 'audit', 'verify'],
      '--url: not a valid URL',
      'usage: tristack audit verify',
    );
    // No command at all: the help, on stderr.
    const bare = await inProcess([]);
    expect(bare).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('commands:') });

    const port = await freePort();
    const down = await inProcess(['--url', `redis://127.0.0.1:${port}`, 'audit', 'verify']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot connect to redis://127.0.0.1:${port}`);
  });

  it('exits 2 with the usage hint from the real binary', async () => {
    const run = await tristack('audit', 'user');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'tristack: audit user takes exactly one user id\nusage: tristack audit user <user-id> [options]\nsee: tristack audit user --help\n',
    );
  }, 60_000);
});

describe('tristack inspect limits / breakers / cache (the binary, state seeded by the real drivers)', () => {
  it('shows the rate-limiter counters of one key in every limiter and scope', async () => {
    const limiter = new RedisRateLimiter({
      client: redis.client,
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
        { name: 'tpm', scope: 'user', algorithm: 'token-bucket', limit: 10, windowMs: 60_000 },
        { name: 'rpm', scope: 'tenant', algorithm: 'sliding-window', limit: 600, windowMs: 60_000 },
      ],
    });
    for (let call = 0; call < 3; call += 1) await limiter.limit({ user: 'alice', tenant: 'acme' });
    await limiter.limit({ user: 'bob', tenant: 'alice' });
    await limiter.block({ user: 'alice' }, 120_000);

    const text = await tristack('inspect', 'limits', 'alice');
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('rate limits of alice');
    expect(lines[1]!.split(/\s{2,}/)).toEqual([
      'LIMITER',
      'SCOPE',
      'RULE',
      'ALGORITHM',
      'USED',
      'BLOCKED',
      'TTL',
      'STATE',
    ]);
    // bob's tenant is called alice: a key is an id, whatever the scope.
    expect(lines[2]).toMatch(/^api\s+tenant\s+rpm\s+sliding-window\s+1\s+no\s+\d/);
    expect(lines[3]).toMatch(/^api\s+user\s+rpm\s+fixed-window\s+3\s+until \S+\s+\d.*window opened/);
    expect(lines[4]).toMatch(/^api\s+user\s+tpm\s+token-bucket\s+-\s+until \S+\s+\d.*full again in/);

    const json = await tristack('inspect', 'limits', 'alice', '--scope', 'user', '--json');
    expect(json.code).toBe(0);
    const state = JSON.parse(json.stdout) as { checkedAt: number; entries: LimitEntry[]; truncated: boolean };
    expect(state.truncated).toBe(false);
    expect(state.entries).toHaveLength(1);
    const [entry] = state.entries;
    expect(entry).toMatchObject({
      limiter: 'api',
      scope: 'user',
      id: 'alice',
      storageKey: 'tristack:rate-limiter:{api:user:alice}',
    });
    expect(entry!.blockedUntil).toBeGreaterThan(state.checkedAt + 100_000);
    expect(entry!.ttlMs).toBeGreaterThan(100_000);
    expect(entry!.rules.map((rule) => [rule.rule, rule.algorithm, rule.used])).toEqual([
      ['rpm', 'fixed-window', 3],
      ['tpm', 'token-bucket', undefined],
    ]);
    // Three tokens of 6 s each (10 per minute) are owed.
    expect(entry!.rules[1]!.fullAt! - state.checkedAt).toBeGreaterThan(0);
    expect(entry!.rules[1]!.fullAt! - state.checkedAt).toBeLessThanOrEqual(18_000);
  }, 90_000);

  it('lists every circuit breaker with its state, trips and window counts', async () => {
    const breaker = new RedisCircuitBreaker({
      client: redis.client,
      consecutiveFailures: 3,
      windowMs: 60_000,
      openMs: 300_000,
    });
    try {
      for (let call = 0; call < 3; call += 1)
        await breaker.execute('payments', () => Promise.reject(new Error('down'))).catch(() => undefined);
      for (let call = 0; call < 2; call += 1) await breaker.execute('search:v2', () => 'ok');
    } finally {
      await breaker.close();
    }
    const text = await tristack('inspect', 'breakers', '--window', '60000');
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual([
      'BREAKER',
      'STATE',
      'TRIPS',
      'CALLS',
      'FAILURES',
      'CONSECUTIVE',
      'PROBES',
      'RETRY AFTER',
      'CHANGED AT',
    ]);
    expect(lines[1]).toMatch(/^payments\s+open\s+1\s+3\s+3\s+3\s+0 in flight, 0 ok\s+4m \d\ds\s+\d{4}-/);
    expect(lines[2]).toMatch(/^search:v2\s+closed\s+0\s+2\s+0\s+0\s+0 in flight, 0 ok\s+-\s+never$/);
    expect(lines).toHaveLength(3);

    const json = await tristack('inspect', 'breakers', 'payments', '--json', '--window', '60000');
    expect(json.code).toBe(0);
    const { breakers } = JSON.parse(json.stdout) as { breakers: CircuitSnapshot[] };
    expect(breakers).toEqual([
      expect.objectContaining({ name: 'payments', state: 'open', trips: 1, calls: 3, failures: 3 }),
    ]);
    expect(breakers[0]!.retryAfterMs).toBeGreaterThan(200_000);
  }, 90_000);

  it('shows the semantic cache per tenant: entries, hits, tokens saved and the vector backend', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.client, name: 'answers' });
    const reply = { content: 'reset it here', usage: { inputTokens: 100, outputTokens: 50 } };
    await cache.store(ask('How do I reset my password?'), reply);
    await cache.store(ask('What is my plan?', { tenant: 'acme' }), reply);
    await cache.lookup(ask('How do I reset my password?'));
    await cache.lookup(ask('Something else entirely, about invoices'));
    const semantic = cache.semanticTier.available;

    const text = await tristack('inspect', 'cache');
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`vector backend ${cache.semanticTier.backend}`);
    const table = lines.slice(lines.findIndex((line) => line.startsWith('CACHE')));
    expect(table[0]!.split(/\s{2,}/)).toEqual([
      'CACHE',
      'TENANT',
      'ENTRIES',
      'VECTORS',
      'SCOPES',
      'LOOKUPS',
      'EXACT HITS',
      'SEMANTIC HITS',
      'MISSES',
      'HIT RATE',
      'TOKENS SAVED',
      'COST SAVED',
    ]);
    expect(table).toHaveLength(3);
    expect(table[1]).toMatch(/^answers\s+acme\s+1\s/);
    expect(table[2]).toMatch(/^answers\s+tenant-a\s+1\s+\S+\s+1\s+2\s+1\s+0\s+1\s+50\.0%\s+150\s/);

    const json = await tristack('inspect', 'cache', '--json');
    const state = JSON.parse(json.stdout) as { vectorBackend: { inUse: string }; caches: CacheTenantState[] };
    expect(state.vectorBackend.inUse).toBe(cache.semanticTier.backend);
    expect(state.caches.find((entry) => entry.tenant === 'tenant-a')).toEqual({
      cache: 'answers',
      tenant: 'tenant-a',
      exactEntries: 1,
      ...(cache.semanticTier.backend === 'vector-sets' ? { semanticVectors: 1 } : {}),
      scopes: 1,
      stats: expect.objectContaining({
        lookups: 2,
        exactHits: 1,
        semanticHits: 0,
        misses: 1,
        stores: 1,
        tokensSaved: 150,
      }),
    });
    expect(semantic || cache.semanticTier.backend === 'none').toBe(true);
  }, 90_000);
});
