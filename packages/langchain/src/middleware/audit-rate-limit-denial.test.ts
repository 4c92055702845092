import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { driverTable } from '../drivers.fixture.js';
import { productionMiddleware } from './production-middleware.js';

const ask = (text: string) => ({ messages: [new HumanMessage(text)] });
const table = driverTable();

// A denied call never reached the model: the trail must not call it a finished (ok) model call.
describe.each(['memory', 'redis'] as const)('audit of a rate-limited model call (%s drivers)', (kind) => {
  it.each(['end', 'throw'] as const)(
    'onDenied %s: recorded as failed RATE_LIMITED, not finished',
    async (onDenied) => {
      const set = table[kind]();
      const auditLog = set.auditLog();
      const limiter = set.limiter({
        limits: [
          {
            name: 'rpm',
            scope: 'user',
            algorithm: 'fixed-window',
            anchor: 'first-hit',
            limit: 1,
            windowMs: 60_000,
          },
        ],
      });
      const model = fakeModel().respond(new AIMessage('first')).respond(new AIMessage('second'));
      const agent = createAgent({
        model,
        middleware: productionMiddleware({ auditLog, limiter: { limiter, onDenied }, retry: false }),
      });
      const context = { tenantId: 'acme', userId: 'bob', runId: 'allowed' };
      await agent.invoke(ask('one'), { context });
      await agent
        .invoke(ask('two'), { context: { ...context, runId: 'denied' } })
        .catch((error: unknown) => (onDenied === 'throw' ? undefined : Promise.reject(error)));
      expect(model.callCount).toBe(1);

      const { events } = await auditLog.query({ tenantId: 'acme' });
      const of = (runId: string) =>
        events.filter((event) => event.runId === runId).map((event) => event.type);
      expect(of('allowed')).toEqual(['model.call.finished']);
      expect(of('denied')).toEqual(['model.call.failed']);
      const failed = events.find((event) => event.runId === 'denied')!;
      expect(failed.data.error).toMatchObject({ code: 'RATE_LIMITED' });
    },
  );
});
