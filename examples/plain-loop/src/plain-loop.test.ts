import { describe, expect, it } from 'vitest';
import { TokenStreamCancelledError } from '@tristack/core';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisConversationMemory,
  RedisJobQueue,
  RedisRateLimiter,
  RedisSemanticCache,
  RedisTokenStream,
} from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { runTurn, type LoopModel, type LoopTool, type Primitives } from './agent-loop.js';
import { scriptedModel } from './scripted-model.js';

const redis = useRedis();

async function primitives(requestsPerMinute = 10): Promise<Primitives> {
  const base = { client: redis.client, prefix: redis.prefix };
  return {
    memory: new RedisConversationMemory(base),
    limiter: new RedisRateLimiter({
      ...base,
      limits: [
        {
          name: 'rpm',
          scope: 'user',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: requestsPerMinute,
          windowMs: 60_000,
        },
        {
          name: 'tpm',
          scope: 'user',
          unit: 'tokens',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 100_000,
          windowMs: 60_000,
        },
      ],
    }),
    breaker: new RedisCircuitBreaker(base),
    cache: await RedisSemanticCache.create(base),
    queue: new RedisJobQueue(base),
    tokens: new RedisTokenStream(base),
    auditLog: new RedisAuditLog(base),
  };
}

async function readAll(tokens: RedisTokenStream, streamId: string): Promise<string> {
  let text = '';
  for await (const entry of tokens.read(streamId)) text += entry.chunk;
  return text;
}

describe('examples/plain-loop', () => {
  it('runs a tool-using turn through every primitive, then answers a repeat from the cache', async () => {
    const p = await primitives();
    let researched = 0;
    const tools: Record<string, LoopTool> = {
      research: { slow: true, run: async ({ topic }) => (researched++, `notes on ${topic}`) },
    };
    const worker = await p.queue.process<{ topic: string }, string>('tool:research', (job) =>
      tools.research!.run(job.payload),
    );
    const model = scriptedModel();
    const turn = {
      tenantId: 'acme',
      userId: 'alice',
      conversationId: 'c-1',
      runId: 'run-1',
      text: 'streams',
    };
    try {
      const answer = await runTurn(model, tools, p, turn);
      expect(answer).toBe('Here is what I found: notes on streams');
      expect([model.calls, researched]).toEqual([2, 1]);
      // Another worker's token stream reads the same tokens.
      const elsewhere = new RedisTokenStream({ client: redis.client, prefix: redis.prefix });
      expect(await readAll(elsewhere, 'run-1')).toBe(answer);
      const remembered = await p.memory.read({ tenantId: 'acme', userId: 'alice', conversationId: 'c-1' });
      // The whole turn: the question, the tool call, its result, the answer.
      expect(remembered.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
      const events = (await p.auditLog.query({ tenantId: 'acme', runId: 'run-1' })).events;
      expect(events.map((event) => event.type)).toEqual([
        'model.call.finished',
        'tool.call.requested',
        'tool.call.executed',
        'model.call.finished',
      ]);
      const repeat = await runTurn(model, tools, p, { ...turn, conversationId: 'c-2', runId: 'run-2' });
      expect(repeat).toBe(answer);
      expect([model.calls, researched]).toEqual([2, 1]);
      const [cached] = (await p.auditLog.query({ tenantId: 'acme', runId: 'run-2' })).events;
      expect(cached!.data).toMatchObject({ cached: true, cacheKind: 'exact' });
    } finally {
      await worker.close();
      await p.queue.close();
      await p.breaker.close();
    }
  });

  it('denies a turn past the rate limit without calling the model or remembering a notice', async () => {
    const p = await primitives(2);
    const model = scriptedModel();
    const tools: Record<string, LoopTool> = { research: { run: async () => 'notes' } };
    const turn = { tenantId: 'acme', userId: 'bob', conversationId: 'c-1', runId: 'run-a', text: 'one' };
    try {
      expect(await runTurn(model, tools, p, { ...turn, text: 'one' })).toMatch(/^Here is what I found/);
      expect(model.calls).toBe(2); // a tool call, then the answer: the user's two requests this minute
      const denied = await runTurn(model, tools, p, { ...turn, runId: 'run-b', text: 'two' });
      expect(denied).toMatch(/^Rate limit reached/);
      expect(model.calls).toBe(2);
      const remembered = await p.memory.read({ tenantId: 'acme', userId: 'bob', conversationId: 'c-1' });
      expect(remembered.map((message) => message.content)).not.toContain(denied);
    } finally {
      await p.queue.close();
      await p.breaker.close();
    }
  });

  it('stops a turn from another instance: the model call is aborted and readers see it stopped', async () => {
    const p = await primitives();
    const stopper = new RedisTokenStream({ client: redis.client, prefix: redis.prefix });
    const endless: LoopModel = {
      id: 'endless',
      async *stream(_messages, signal) {
        for (;;) {
          signal.throwIfAborted();
          yield { type: 'text', text: 'word ' };
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
    };
    const turn = { tenantId: 'acme', userId: 'carol', conversationId: 'c-1', runId: 'run-stop', text: 'go' };
    try {
      const running = runTurn(endless, {}, p, turn);
      while (!(await stopper.status('run-stop'))) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await stopper.cancel('run-stop', 'user pressed stop')).toBe(true);
      const error = await running.catch((caught: unknown) => caught);
      expect(TokenStreamCancelledError.isInstance(error)).toBe(true);
      expect(await readAll(stopper, 'run-stop').catch((caught: unknown) => caught)).toBeInstanceOf(Error);
    } finally {
      await p.queue.close();
      await p.breaker.close();
    }
  });
});
