import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import type { AuditEvent } from '@tristack/core';
import { RedisAuditLog } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runInProcess } from '../../../cli/src/run-cli.fixture.js';
import { defaultRunIdentity } from '../run-context.js';
import { AuditCallbackHandler } from './audit-callback-handler.js';
import { auditMiddleware } from './audit-middleware.js';

const redis = useRedis();
const ask = (text: string) => ({ messages: [new HumanMessage(text)] });

/** `tristack audit run <id> --json` against this test's database. */
async function auditRun(runId: string): Promise<AuditEvent[]> {
  const run = await runInProcess([
    '--url',
    `${redis.url}/${redis.database}`,
    'audit',
    'run',
    runId,
    '--tenant',
    'acme',
    '--json',
  ]);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return (JSON.parse(run.stdout) as { events: AuditEvent[] }).events;
}

describe('run ids recorded without the caller naming one', () => {
  it('gives every audit event of a createAgent run the same run id, one per invocation, and `audit run` lists them', async () => {
    const auditLog = new RedisAuditLog({ client: redis.client, defaultTenantId: 'acme' });
    const toolRunIds: (string | undefined)[] = [];
    const weather = tool(
      async ({ city }: { city: string }, config) => {
        // What a tool provider (Arcade) records its own events under.
        toolRunIds.push(defaultRunIdentity(config as never).runId);
        return `sunny in ${city}`;
      },
      { name: 'weather', description: 'weather of a city', schema: z.object({ city: z.string() }) },
    );
    const model = fakeModel()
      .respondWithTools([{ name: 'weather', args: { city: 'Oslo' } }])
      .respond(new AIMessage('sunny'))
      .respond(new AIMessage('again'));
    const agent = createAgent({ model, tools: [weather], middleware: [auditMiddleware({ auditLog })] });
    await agent.invoke(ask('weather in Oslo?'), { context: { userId: 'alice' } });
    await agent.invoke(ask('and now?'), { context: { userId: 'alice' } });

    const { events } = await auditLog.query({ tenantId: 'acme', limit: 100 });
    expect(events.map((event) => event.type)).toEqual([
      'model.call.finished',
      'tool.call.requested',
      'tool.call.executed',
      'model.call.finished',
      'model.call.finished',
    ]);
    const first = events.slice(0, 4);
    const runId = first[0]!.runId!;
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.map((event) => event.runId)).toEqual([runId, runId, runId, runId]);
    expect(toolRunIds).toEqual([runId]);
    // The next invocation is another run.
    expect(events[4]!.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[4]!.runId).not.toBe(runId);

    expect((await auditRun(runId)).map((event) => event.id)).toEqual(first.map((event) => event.id));
  });

  it('the callback handler files every event under the root run: the runId given to invoke, else LangChain’s', async () => {
    const auditLog = new RedisAuditLog({ client: redis.client, defaultTenantId: 'acme' });
    const weather = tool(async ({ city }: { city: string }) => `sunny in ${city}`, {
      name: 'weather',
      description: 'weather of a city',
      schema: z.object({ city: z.string() }),
    });
    const model = fakeModel()
      .respondWithTools([{ name: 'weather', args: { city: 'Oslo' } }])
      .respond(new AIMessage('sunny'))
      .respond(new AIMessage('again'));
    const agent = createAgent({ model, tools: [weather] });
    const given = '5f0c6a58-4f43-4d4e-9a39-8f6f4a5e1b2c';
    await agent.invoke(ask('weather in Oslo?'), {
      callbacks: [new AuditCallbackHandler({ auditLog })],
      runId: given,
    });
    await agent.invoke(ask('and now?'), { callbacks: [new AuditCallbackHandler({ auditLog })] });

    const { events } = await auditLog.query({ tenantId: 'acme', limit: 100 });
    const byRun = new Map(
      [...new Set(events.map((event) => event.runId))].map((key) => [
        key,
        events.filter((event) => event.runId === key),
      ]),
    );
    expect([...byRun.keys()]).toHaveLength(2);
    const named = byRun.get(given)!;
    expect(named.map((event) => event.type)).toEqual([
      'run.started',
      'model.call.started',
      'model.call.finished',
      'tool.call.requested',
      'tool.call.executed',
      'model.call.started',
      'model.call.finished',
      'run.finished',
    ]);
    // Each call keeps its own id as callId.
    expect(new Set(named.flatMap((event) => ('callId' in event.data ? [event.data.callId] : []))).size).toBe(
      2,
    );
    expect((await auditRun(given)).map((event) => event.id)).toEqual(named.map((event) => event.id));
    const minted = [...byRun.keys()].find((key) => key !== given);
    expect(minted).toMatch(/^[0-9a-f-]{36}$/);
  });
});
