import { describe, expect, it } from 'vitest';
import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { useRedis } from '@tristack/testing/redis';
import type { AuditEvent } from '@tristack/core';
import { type AgentDrivers, inMemoryDrivers, postgresDrivers, redisDrivers } from './drivers.js';
import { auditTrailOfRun } from './print-audit-trail.js';
import { runScriptedDemo } from './scripted-demo.js';

const redis = useRedis();

async function transcriptOf(drivers: AgentDrivers) {
  const lines: string[] = [];
  try {
    const summary = await runScriptedDemo({ drivers, out: (line) => lines.push(line) });
    const trail = await auditTrailOfRun(drivers.auditLog, 'demo', summary.runId);
    return { text: lines.join('\n'), summary, events: trail.events };
  } finally {
    await drivers.close();
  }
}

function expectEveryStep(text: string, semanticTier: boolean) {
  // Memory: turn 2 answers from turn 1 (another thread: the history comes from ConversationMemory).
  expect(text).toContain('agent (scripted-primary): You told me earlier that you maintain acme/web.');
  // Consent: the run pauses on a LangGraph interrupt with the URL, consent is completed, the run
  // is resumed with Command({ resume }) and the retried tool's output summarised.
  expect(text).toContain('the run paused (LangGraph interrupt): Github_ListPullRequests needs consent');
  expect(text).toMatch(/open this URL to authorize: http:\/\/127\.0\.0\.1:\d+\/__oauth\/consent\/ac_/);
  expect(text).toContain(
    'resuming the run: Command({ resume: { granted: true } }) → Github_ListPullRequests',
  );
  expect(text).toContain(
    'acme/web has 2 open pull requests: #2 "Fix login redirect", #3 "WIP: new dashboard".',
  );
  // Cache: the paraphrase is answered without a model call, with the tokens it saved.
  if (semanticTier)
    expect(text).toMatch(
      /agent \(semantic cache, similarity 0\.9\d\d, [1-9]\d* tokens saved\): To reset your Slack/,
    );
  else expect(text).toContain('semantic tier off');
  // Rate limit: twelve model calls pass, the thirteenth and fourteenth do not.
  expect(text.match(/✗ rate limited/g)).toHaveLength(2);
  expect(text).toContain('agent (scripted-primary): (scripted-primary) Noted: "Status check 12".');
  expect(text).not.toContain('Noted: "Status check 13"');
  // Breaker: a failure, then the trip, then the primary is skipped while the fallback answers.
  expect(text).toContain('scripted-primary failed (server-error) → scripted-fallback answered');
  expect(text).toContain('circuit model:scripted-primary: closed → open (consecutive-failures)');
  expect(text).toContain('scripted-primary: circuit open, skipped → scripted-fallback answered');
  expect(text).toContain('agent (scripted-fallback): Draft for #general: "PR #4 is merged');
  expect(text).toContain('breaker model:scripted-primary is open (trips: 1)');
  // Queue: the digest ran as a job and its result came back into the conversation.
  expect(text).toMatch(/Reports_WeeklyDigest queued as job \S+; waiting for a worker/);
  expect(text).toMatch(/job \S+ completed after 1 attempt\(s\)/);
  expect(text).toContain('Your weekly digest is ready: 1 week(s) for alice');
}

function expectAuditTrail(
  text: string,
  summary: { auditEvents: number; chainValid: boolean },
  events: AuditEvent[],
  semanticTier: boolean,
) {
  expect(summary.chainValid).toBe(true);
  expect(text).toContain(`${summary.auditEvents} events; hash chain verified`);
  const table = text.slice(text.indexOf('TIME  '));
  for (const type of [
    'model.call.finished',
    'tool.call.authorized',
    'interrupt.raised',
    'interrupt.resumed',
    'rate-limit.denied',
    'circuit-breaker.state-changed',
    'job.completed',
    'tool.call.executed',
  ])
    expect(table).toContain(type);
  // Written by the middleware: which model answered, and why the fallback was taken.
  const fallbacks = events.flatMap((event) =>
    event.type === 'model.call.finished' && event.data['fallback'] ? [event.data['fallback']] : [],
  );
  expect(fallbacks).toContainEqual({
    from: 'scripted-primary',
    to: 'scripted-fallback',
    reason: 'server-error',
  });
  expect(fallbacks).toContainEqual({
    from: 'scripted-primary',
    to: 'scripted-fallback',
    reason: 'circuit-open',
  });
  const cached = events.filter((event) => event.type === 'model.call.finished' && event.data['cached']);
  expect(cached.map((event) => event.userId)).toEqual(semanticTier ? ['carol'] : []);
}

describe('the scripted demo', () => {
  it('runs every step on the in-memory drivers', async () => {
    const drivers = inMemoryDrivers();
    const { text, summary, events } = await transcriptOf(drivers);
    expectEveryStep(text, true);
    expectAuditTrail(text, summary, events, true);
  });

  it('runs every step on the Redis drivers, leaving its state in Redis', async () => {
    const drivers = await redisDrivers(redis.client, redis.prefix);
    const semanticTier = drivers.cache.semanticTier.available;
    const { text, summary, events } = await transcriptOf(drivers);
    expectEveryStep(text, semanticTier);
    expectAuditTrail(text, summary, events, semanticTier);
    const keys = await redis.client.keys(`${redis.prefix}:*`);
    for (const primitive of [
      'memory',
      'rate-limiter',
      'circuit-breaker',
      'semantic-cache',
      'queue',
      'lease',
      'audit',
    ])
      expect(
        keys.some((key) => key.startsWith(`${redis.prefix}:${primitive}:`)),
        `${primitive} keys in ${keys.join(' ')}`,
      ).toBe(true);
  });
});

describe.runIf(requiresPostgres('the demo on PostgreSQL'))('the scripted demo with DATABASE_URL', () => {
  const postgres = usePostgres();

  it('runs every step on the PostgreSQL drivers, leaving its state in PostgreSQL', async () => {
    const drivers = await postgresDrivers(postgres.pool, 'support_agent');
    expect(drivers.kind).toBe('postgres');
    const { text, summary, events } = await transcriptOf(drivers);
    // Exact tier only on PostgreSQL: the near-duplicate question is a plain miss.
    expectEveryStep(text, false);
    expectAuditTrail(text, summary, events, false);
    const { rows } = await postgres.pool.query<{ table: string; rows: number }>(
      `SELECT 'conversation_message' AS table, count(*)::int AS rows FROM support_agent.conversation_message
         UNION ALL SELECT 'audit_entries', count(*)::int FROM support_agent.audit_entries
         UNION ALL SELECT 'jobs', count(*)::int FROM support_agent.jobs
         UNION ALL SELECT 'rate_limit_state', count(*)::int FROM support_agent.rate_limit_state
         UNION ALL SELECT 'circuit_breaker', count(*)::int FROM support_agent.circuit_breaker`,
    );
    for (const row of rows) expect(row.rows, `rows in ${row.table}`).toBeGreaterThan(0);
  });
});
