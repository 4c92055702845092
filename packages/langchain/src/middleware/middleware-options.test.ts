import { fakeModel } from '@langchain/core/testing';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryConversationMemory,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  InvalidOptionsError,
} from '@tristack/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withTristack } from '../model/with-tristack.js';
import { auditMiddleware } from './audit-middleware.js';
import { circuitBreakerMiddleware } from './circuit-breaker-middleware.js';
import { fallbackMiddleware } from './fallback-middleware.js';
import { memoryMiddleware } from './memory-middleware.js';
import { productionMiddleware } from './production-middleware.js';
import { rateLimitMiddleware } from './rate-limit-middleware.js';
import { responseCacheMiddleware } from './response-cache-middleware.js';
import { structuredOutputRepair } from './structured-output-repair.js';

const limiter = new InMemoryRateLimiter({
  limits: [
    {
      name: 'per-user',
      scope: 'user',
      algorithm: 'fixed-window',
      anchor: 'first-hit',
      unit: 'requests',
      limit: 5,
      windowMs: 60_000,
    },
  ],
});
const breaker = new InMemoryCircuitBreaker({});
const memory = new InMemoryConversationMemory();
const auditLog = new InMemoryAuditLog();
const cache = new InMemorySemanticCache({});
const model = fakeModel();

// Each row: a factory and options that must be refused before anything runs. Options are `any`:
// the point is what a JavaScript caller (or a cast) can hand in.
/* eslint-disable @typescript-eslint/no-explicit-any */
const hostile: [string, () => unknown][] = [
  ['rateLimit: limiter missing', () => rateLimitMiddleware({} as any)],
  ['rateLimit: limiter without limit()', () => rateLimitMiddleware({ limiter: {} as any })],
  ['rateLimit: key not a function', () => rateLimitMiddleware({ limiter, key: 'user' as any })],
  [
    'rateLimit: negative expectedOutputTokens',
    () => rateLimitMiddleware({ limiter, expectedOutputTokens: -1 }),
  ],
  ['rateLimit: NaN maxWaitMs', () => rateLimitMiddleware({ limiter, maxWaitMs: Number.NaN })],
  ['rateLimit: Infinity maxWaitMs', () => rateLimitMiddleware({ limiter, maxWaitMs: Infinity })],
  ['rateLimit: unknown onDenied', () => rateLimitMiddleware({ limiter, onDenied: 'retry' as any })],
  ['rateLimit: tools as a string', () => rateLimitMiddleware({ limiter, tools: 'yes' as any })],
  ['rateLimit: empty provider', () => rateLimitMiddleware({ limiter, provider: '' })],
  ['circuitBreaker: breaker is a string', () => circuitBreakerMiddleware({ breaker: 'b' as any })],
  ['circuitBreaker: name not a function', () => circuitBreakerMiddleware({ breaker, name: 'x' as any })],
  ['fallback: models not an array', () => fallbackMiddleware({ models: model as any })],
  ['fallback: a model is null', () => fallbackMiddleware({ models: [null as any] })],
  ['fallback: breaker without execute()', () => fallbackMiddleware({ models: [], breaker: {} as any })],
  ['responseCache: cache missing', () => responseCacheMiddleware({} as any)],
  [
    'responseCache: shareAcrossUsers as 1',
    () => responseCacheMiddleware({ cache, shareAcrossUsers: 1 as any }),
  ],
  ['responseCache: tags not a function', () => responseCacheMiddleware({ cache, tags: { a: 'b' } as any })],
  ['memory: memory without read()', () => memoryMiddleware({ memory: { append() {} } as any })],
  ['memory: zero maxTokens', () => memoryMiddleware({ memory, maxTokens: 0 })],
  ['memory: fractional maxMessages', () => memoryMiddleware({ memory, maxMessages: 1.5 })],
  ['memory: NaN maxMessages', () => memoryMiddleware({ memory, maxMessages: Number.NaN })],
  ['audit: auditLog missing', () => auditMiddleware({} as any)],
  ['audit: unknown onError', () => auditMiddleware({ auditLog, onError: 'log' as any })],
  ['audit: recordArguments as a string', () => auditMiddleware({ auditLog, recordArguments: 'no' as any })],
  ['structuredOutput: negative maxRepairs', () => structuredOutputRepair({ maxRepairs: -1 })],
  ['structuredOutput: schema not a zod schema', () => structuredOutputRepair({ schema: {} as any })],
  ['structuredOutput: repairPrompt a string', () => structuredOutputRepair({ repairPrompt: 'again' as any })],
  ['production: limiter is a number', () => productionMiddleware({ limiter: 5 as any })],
  ['production: requireIdentity as a string', () => productionMiddleware({ requireIdentity: 'no' as any })],
  ['production: retry: true', () => productionMiddleware({ retry: true as any })],
  ['production: fallbacks not an array', () => productionMiddleware({ fallbacks: model as any })],
  [
    'production: nested memory options checked',
    () => productionMiddleware({ memory: { memory, maxTokens: -5 } }),
  ],
  ['withTristack: breaker without execute()', () => withTristack(model, { breaker: {} as any })],
  [
    'withTristack: shareAcrossUsers as a string',
    () => withTristack(model, { shareAcrossUsers: 'yes' as any }),
  ],
];
/* eslint-enable @typescript-eslint/no-explicit-any */

describe('middleware options are checked when the middleware is created', () => {
  it.each(hostile)('%s → InvalidOptionsError', (_, create) => {
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(/^\[tristack\] \[langchain\]/);
  });

  it('names the failing option in the message', () => {
    expect(() => memoryMiddleware({ memory, maxTokens: -1 })).toThrow(/maxTokens/);
    expect(() => rateLimitMiddleware({ limiter, onDenied: 'retry' as never })).toThrow(/onDenied/);
  });

  it('accepts well-formed options', () => {
    expect(() => rateLimitMiddleware({ limiter, onDenied: 'wait', maxWaitMs: 0, tools: true })).not.toThrow();
    expect(() => circuitBreakerMiddleware({ breaker, tools: true })).not.toThrow();
    expect(() => fallbackMiddleware({ models: [model], breaker })).not.toThrow();
    expect(() => responseCacheMiddleware({ cache, shareAcrossUsers: true })).not.toThrow();
    expect(() => memoryMiddleware({ memory, maxTokens: 1, maxMessages: 1 })).not.toThrow();
    expect(() => auditMiddleware({ auditLog, onError: () => {} })).not.toThrow();
    expect(() =>
      structuredOutputRepair({ schema: z.object({ a: z.string() }), maxRepairs: 0 }),
    ).not.toThrow();
    expect(() =>
      productionMiddleware({
        auditLog,
        memory: { memory },
        cache,
        limiter,
        breaker,
        fallbacks: [model],
        retry: false,
      }),
    ).not.toThrow();
  });

  it('refuses an unknown key, naming it: a misspelt part would otherwise be silently off', () => {
    expect(() => productionMiddleware({ memroy: memory } as never)).toThrow(InvalidOptionsError);
    expect(() => productionMiddleware({ memroy: memory } as never)).toThrow(/memroy/);
    expect(() => productionMiddleware({ auditLog, memory: { memory, maxToken: 10 } } as never)).toThrow(
      /maxToken/,
    );
    expect(() => memoryMiddleware({ memory, somethingElse: 1 } as never)).toThrow(/somethingElse/);
    expect(() => rateLimitMiddleware({ limiter, onDenid: 'wait' } as never)).toThrow(/onDenid/);
  });

  it('keeps the construction-time check of limiter scopes the default key cannot fill', () => {
    const regional = new InMemoryRateLimiter({
      limits: [
        {
          name: 'r',
          scope: 'region',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          unit: 'requests',
          limit: 1,
          windowMs: 60_000,
        },
      ],
    });
    expect(() => rateLimitMiddleware({ limiter: regional })).toThrow(InvalidOptionsError);
    expect(() => rateLimitMiddleware({ limiter: regional })).toThrow(/scope 'region'/);
  });
});
