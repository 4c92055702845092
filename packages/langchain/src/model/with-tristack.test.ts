import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tristackMetadata } from '../cache-request.js';
import { driverTable } from '../drivers.fixture.js';
import { AuditCallbackHandler } from '../middleware/audit-callback-handler.js';
import { withTristack } from './with-tristack.js';

const table = driverTable();
const status = (code: number) => Object.assign(new Error(`provider answered ${code}`), { status: code });

describe.each(['memory', 'redis'] as const)('withTristack with %s drivers', (kind) => {
  it('falls back on 429 with tools bound, caches, replays a hit as a stream, and audits through the callback handler', async () => {
    const drivers = table[kind]();
    const auditLog = drivers.auditLog();
    const primary = fakeModel().respond(status(429));
    const backup = fakeModel().respond(new AIMessage('forty two'));
    const model = withTristack(primary, {
      fallbacks: [backup],
      cache: await drivers.cache(),
      breaker: drivers.breaker(),
    });
    const bound = model.bindTools([
      tool(async () => 'x', { name: 'lookup', description: 'd', schema: z.object({}) }),
    ]);
    const callbacks = [new AuditCallbackHandler({ auditLog, identity: { tenantId: 'bare' } })];
    const first = await bound.invoke([new HumanMessage('the answer?')], { callbacks });
    expect(first.text).toBe('forty two');
    expect(tristackMetadata(first).fallback?.reason).toBe('rate-limited');
    const chunks: string[] = [];
    for await (const chunk of await bound.stream([new HumanMessage('the answer?')], { callbacks }))
      chunks.push(chunk.text);
    expect(chunks).toEqual(['forty ', 'two']);
    expect(backup.callCount).toBe(1);
    // Tools reached the fallback model too.
    const wrapped = (bound as unknown as { wrapped: { models: { bound: { _tools: unknown[] } }[] } }).wrapped;
    expect(wrapped.models.map((each) => each.bound._tools.length)).toEqual([1, 1]);
    const { events } = await auditLog.query({ tenantId: 'bare' });
    expect(events.map((event) => event.type)).toEqual([
      'model.call.started',
      'model.call.finished',
      'model.call.started',
      'model.call.finished',
    ]);
  });
});
