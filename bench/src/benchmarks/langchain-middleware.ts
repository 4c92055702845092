import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryConversationMemory,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  type AuditLog,
  type CircuitBreaker,
  type ConversationMemory,
  type RateLimiter,
  type SemanticCache,
} from '@tristack/core';
import { productionMiddleware } from '@tristack/langchain';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisConversationMemory,
  RedisRateLimiter,
  RedisSemanticCache,
} from '@tristack/redis';
import { createAgent } from 'langchain';
import type { Benchmark } from '../benchmark.js';
import type { Case } from '../runner.js';

/** A provider that answers instantly: what is left is the agent loop and the middleware. */
class InstantModel extends BaseChatModel {
  _llmType() {
    return 'instant';
  }
  // The benchmarked agent has no tools: binding is a no-op.
  override bindTools() {
    return this as never;
  }
  async _generate(): Promise<ChatResult> {
    const message = new AIMessage({
      content: 'ok',
      usage_metadata: { input_tokens: 10, output_tokens: 1, total_tokens: 11 },
    });
    return { generations: [{ text: 'ok', message }] };
  }
}

interface Stack {
  auditLog: AuditLog;
  memory: ConversationMemory;
  cache: SemanticCache;
  limiter: RateLimiter;
  breaker: CircuitBreaker;
}

const LIMITS = {
  limits: [{ name: 'rpm', algorithm: 'sliding-window' as const, limit: 1_000_000_000, windowMs: 60_000 }],
};

/** One turn: a new question (a cache miss that is then stored), on one of 100 conversations. */
function turn(agent: ReturnType<typeof createAgent>, name: string): Case {
  return {
    name,
    run: (index) =>
      agent.invoke(
        { messages: [new HumanMessage(`question number ${index}`)] },
        { context: { tenantId: `tenant-${index % 16}`, userId: `user-${index % 100}`, conversationId: 'c' } },
      ),
  };
}

/**
 * Overhead of `productionMiddleware` (audit, memory, response cache, retry, rate limit, breaker)
 * per model call of a `createAgent` loop around an instant fake model: the bare agent against
 * the full stack on in-memory drivers and on Redis drivers, in one run.
 */
export const langchainMiddlewareBenchmark: Benchmark = {
  name: 'langchain-middleware',
  description:
    'productionMiddleware per model call (instant fake model): bare agent vs in-memory vs Redis drivers',
  async setup(context) {
    await context.client.flushDb();
    const base = { client: context.client, prefix: 'bench' };
    const memoryStack: Stack = {
      auditLog: new InMemoryAuditLog(),
      memory: new InMemoryConversationMemory(),
      cache: new InMemorySemanticCache({}),
      limiter: new InMemoryRateLimiter(LIMITS),
      breaker: new InMemoryCircuitBreaker({}),
    };
    const redisStack: Stack = {
      auditLog: new RedisAuditLog(base),
      memory: new RedisConversationMemory(base),
      cache: await RedisSemanticCache.create(base),
      limiter: new RedisRateLimiter({ ...base, ...LIMITS }),
      breaker: new RedisCircuitBreaker({ ...base }),
    };
    const model = new InstantModel({});
    const agentWith = (stack: Stack) => createAgent({ model, middleware: productionMiddleware(stack) });
    console.log(`Redis semantic tier: ${redisStack.cache.semanticTier.backend}`);
    return {
      cases: [
        turn(createAgent({ model }), 'bare createAgent (no middleware)'),
        turn(agentWith(memoryStack), 'productionMiddleware, in-memory drivers'),
        turn(agentWith(redisStack), 'productionMiddleware, Redis drivers'),
      ],
      cleanup: async () => {
        await Promise.all([memoryStack.breaker.close(), redisStack.breaker.close()]);
        await context.client.flushDb();
      },
    };
  },
};
