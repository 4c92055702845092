import { fileURLToPath } from 'node:url';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { RedisCircuitBreaker, RedisConversationMemory } from '@tristack/redis';
import { spawnNodeWorker } from '@tristack/testing/fleet';
import { useRedis } from '@tristack/testing/redis';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { tristackMetadata } from '../cache-request.js';
import { redisWorkerEnvironment } from '../drivers.fixture.js';
import { fallbackMiddleware } from './fallback-middleware.js';
import { memoryMiddleware } from './memory-middleware.js';

const WORKER = fileURLToPath(new URL('./middleware-worker.fixture.ts', import.meta.url));

describe('middleware across two Node processes (Redis drivers)', () => {
  const redis = useRedis();
  async function inWorker(args: string[], line: RegExp): Promise<string> {
    const worker = spawnNodeWorker(WORKER, args, { env: redisWorkerEnvironment(redis) });
    try {
      return await worker.waitForLine(line, 60_000);
    } finally {
      await worker.kill();
    }
  }

  it(
    'falls back without calling the primary when ANOTHER process opened its breaker',
    { timeout: 90_000 },
    async () => {
      expect(await inWorker(['open-breaker', 'model:primary'], /^opened /)).toBe('opened open');
      const breaker = new RedisCircuitBreaker({ client: redis.client, prefix: redis.prefix });
      const primary = fakeModel().respond(new AIMessage('primary'));
      const secondary = fakeModel().respond(new AIMessage('secondary'));
      const agent = createAgent({
        model: primary,
        middleware: [
          fallbackMiddleware({
            models: [secondary],
            breaker,
            breakerName: (model) => (model === primary ? 'model:primary' : 'model:secondary'),
          }),
        ],
      });
      const result = await agent.invoke({ messages: [new HumanMessage('hi')] });
      expect(result.messages.at(-1)!.text).toBe('secondary');
      expect(tristackMetadata(result.messages.at(-1)!).fallback?.reason).toBe('circuit-open');
      expect(primary.callCount).toBe(0);
      await breaker.close();
    },
  );

  it(
    'remembers a conversation another process had, without a checkpointer',
    { timeout: 90_000 },
    async () => {
      expect(await inWorker(['remember', 't', 'u1', 'c1', 'My name is Ada.'], /^remembered$/)).toBe(
        'remembered',
      );
      const model = fakeModel().respond(
        (messages) => new AIMessage(`seen: ${messages.map((message) => message.text).join(' | ')}`),
      );
      const agent = createAgent({
        model,
        middleware: [
          memoryMiddleware({
            memory: new RedisConversationMemory({ client: redis.client, prefix: redis.prefix }),
          }),
        ],
      });
      const result = await agent.invoke(
        { messages: [new HumanMessage('What is my name?')] },
        { context: { tenantId: 't', userId: 'u1', conversationId: 'c1' } },
      );
      expect(result.messages.at(-1)!.text).toBe(
        'seen: My name is Ada. | Nice to meet you, Ada. | What is my name?',
      );
    },
  );
});
