import type { LanguageModelV3GenerateResult } from '@ai-sdk/provider';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { generateText, wrapLanguageModel, type LanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { productionMiddleware as aiSdkProductionMiddleware, withRunIdentity } from '@tristack/ai-sdk';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  type AuditLog,
  type CircuitBreaker,
  type RateLimiter,
  type SemanticCache,
} from '@tristack/core';
import { productionMiddleware as langchainProductionMiddleware } from '@tristack/langchain';
import { RedisAuditLog, RedisCircuitBreaker, RedisRateLimiter, RedisSemanticCache } from '@tristack/redis';
import { createAgent } from 'langchain';
import type { Benchmark } from '../benchmark.js';
import type { Case } from '../runner.js';

/** The same four parts on both sides: audit, response cache, rate limit, breaker. */
interface Parts {
  auditLog: AuditLog;
  cache: SemanticCache;
  limiter: RateLimiter;
  breaker: CircuitBreaker;
}

const LIMITS = {
  limits: [{ name: 'rpm', algorithm: 'sliding-window' as const, limit: 1_000_000_000, windowMs: 60_000 }],
};

const ANSWER: LanguageModelV3GenerateResult = {
  content: [{ type: 'text', text: 'ok' }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: {
    inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 1, text: 1, reasoning: 0 },
  },
  warnings: [],
};

/** A LangChain provider that answers instantly. */
class InstantModel extends BaseChatModel {
  _llmType() {
    return 'instant';
  }
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

const identityOf = (index: number) => ({
  tenantId: `tenant-${index % 16}`,
  userId: `user-${index % 100}`,
  conversationId: 'c',
});

/** One AI SDK call: a new question (a cache miss, then stored). */
function aiSdkCall(model: LanguageModel, name: string): Case {
  return {
    name,
    run: (index) =>
      withRunIdentity(identityOf(index), () =>
        generateText({ model, prompt: `question number ${index}`, maxRetries: 0 }),
      ),
  };
}

/** One LangChain `createAgent` turn: one model call, the same kind of question. */
function langchainTurn(agent: ReturnType<typeof createAgent>, name: string): Case {
  return {
    name,
    run: (index) =>
      agent.invoke(
        { messages: [new HumanMessage(`question number ${index}`)] },
        { context: identityOf(index) },
      ),
  };
}

const memoryParts = (): Parts => ({
  auditLog: new InMemoryAuditLog(),
  cache: new InMemorySemanticCache({}),
  limiter: new InMemoryRateLimiter(LIMITS),
  breaker: new InMemoryCircuitBreaker({}),
});

/**
 * The AI SDK middleware's cost per model call beside the LangChain one, on the same parts (audit,
 * response cache, rate limit, breaker; LangChain's retry off, no memory) around an instant model:
 * each framework bare, then with the stack on in-memory drivers, then (AI SDK) on Redis drivers.
 * Overhead per call = a stack's mean minus its framework's bare mean.
 */
export const aiSdkMiddlewareBenchmark: Benchmark = {
  name: 'ai-sdk-middleware',
  description:
    'AI SDK productionMiddleware per model call beside LangChain productionMiddleware (instant models)',
  async setup(context) {
    await context.client.flushDb();
    const base = { client: context.client, prefix: 'bench' };
    const aiSdkMemory = memoryParts();
    const langchainMemory = memoryParts();
    const aiSdkRedis: Parts = {
      auditLog: new RedisAuditLog(base),
      cache: await RedisSemanticCache.create(base),
      limiter: new RedisRateLimiter({ ...base, ...LIMITS }),
      breaker: new RedisCircuitBreaker({ ...base }),
    };
    const mock = new MockLanguageModelV3({ modelId: 'instant', doGenerate: async () => ANSWER });
    const wrapped = (parts: Parts) =>
      wrapLanguageModel({ model: mock, middleware: aiSdkProductionMiddleware(parts) });
    const chat = new InstantModel({});
    return {
      cases: [
        langchainTurn(createAgent({ model: chat }), 'LangChain createAgent, bare'),
        langchainTurn(
          createAgent({
            model: chat,
            middleware: langchainProductionMiddleware({ ...langchainMemory, retry: false }),
          }),
          'LangChain productionMiddleware, in-memory drivers',
        ),
        aiSdkCall(mock, 'AI SDK generateText, bare'),
        aiSdkCall(wrapped(aiSdkMemory), 'AI SDK productionMiddleware, in-memory drivers'),
        aiSdkCall(wrapped(aiSdkRedis), 'AI SDK productionMiddleware, Redis drivers'),
      ],
      cleanup: async () => {
        await Promise.all([aiSdkMemory, langchainMemory, aiSdkRedis].map((parts) => parts.breaker.close()));
        await context.client.flushDb();
      },
    };
  },
};
