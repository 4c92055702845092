import { setTimeout as sleep } from 'node:timers/promises';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryConversationMemory,
  InMemoryJobQueue,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  InMemoryTokenStream,
} from '@tristack/core';
import { runTurn, type LoopTool, type Primitives } from './agent-loop.js';
import { scriptedModel } from './scripted-model.js';

// In-memory drivers so `pnpm start` needs nothing; swap each for its `@tristack/redis` twin to
// share them across a fleet (the test does).
const primitives: Primitives = {
  memory: new InMemoryConversationMemory(),
  limiter: new InMemoryRateLimiter({
    limits: [
      { name: 'rpm', scope: 'user', algorithm: 'fixed-window', limit: 30, windowMs: 60_000 },
      {
        name: 'tpm',
        scope: 'user',
        unit: 'tokens',
        algorithm: 'fixed-window',
        limit: 50_000,
        windowMs: 60_000,
      },
    ],
  }),
  breaker: new InMemoryCircuitBreaker({}),
  cache: new InMemorySemanticCache({}),
  queue: new InMemoryJobQueue(),
  tokens: new InMemoryTokenStream(),
  auditLog: new InMemoryAuditLog(),
};
const tools: Record<string, LoopTool> = {
  research: { slow: true, run: async ({ topic }) => `three sources agree about "${topic}".` },
};
const worker = await primitives.queue.process<{ topic: string }, string>('tool:research', (job) =>
  tools.research!.run(job.payload),
);
const turn = {
  tenantId: 'acme',
  userId: 'alice',
  conversationId: 'c-1',
  runId: 'run-1',
  text: 'Redis streams',
};
const answered = runTurn(scriptedModel(), tools, primitives, turn);
// Any worker can read the turn's tokens while they are produced (and resume after a reconnect).
while (!(await primitives.tokens.status('run-1'))) await sleep(5);
for await (const entry of primitives.tokens.read('run-1')) process.stdout.write(entry.chunk);
process.stdout.write('\n');
await answered;
for (const event of (await primitives.auditLog.query({ tenantId: 'acme', runId: 'run-1' })).events)
  console.log(event.type, JSON.stringify(event.data));
await worker.close();
await primitives.queue.close();
await primitives.breaker.close();
