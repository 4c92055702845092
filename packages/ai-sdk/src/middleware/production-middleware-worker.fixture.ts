/**
 * One process of production-middleware.fleet.test.ts, on the test's Redis, calling a model
 * through `productionMiddleware` (for user `alice`):
 *   calls <count> <limit>: prints "ready", waits for "go" on stdin, makes `count` calls under a
 *     shared limit of `limit` requests per hour, prints "done <admitted> <denied> <model calls>".
 *   trip <model>: one call to a model answering 503, with a breaker opening on one failure;
 *     prints "tripped <breaker state>".
 *   call <model>: one call to a healthy model; prints "answered <model calls>" or
 *     "rejected <error code> <model calls>".
 */
import { createInterface } from 'node:readline';
import type { LanguageModelV3GenerateResult } from '@ai-sdk/provider';
import { RedisCircuitBreaker, RedisRateLimiter } from '@tristack/redis';
import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { createClient } from 'redis';
import { productionMiddleware } from './production-middleware.js';

const { FLEET_REDIS_URL, FLEET_REDIS_DATABASE, FLEET_PREFIX } = process.env;
const client = createClient({ url: FLEET_REDIS_URL, database: Number(FLEET_REDIS_DATABASE) });
client.on('error', () => {});
await client.connect();
const base = { client, prefix: FLEET_PREFIX! };
const identity = { tenantId: 'acme', userId: 'alice' };
const [command, ...args] = process.argv.slice(2);

// Not from drivers.fixture.ts: that one starts the test harness, which needs vitest.
const answer = (text: string): LanguageModelV3GenerateResult => ({
  content: [{ type: 'text', text }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: {
    inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 5, text: 5, reasoning: 0 },
  },
  warnings: [],
});
const unavailable = () =>
  Object.assign(new Error('provider answered 503'), { statusCode: 503, isRetryable: true });

/** The fleet's breaker settings: every process must agree on them. */
const breakerOf = () =>
  new RedisCircuitBreaker({ ...base, consecutiveFailures: 1, failureRateThreshold: null, openMs: 60_000 });

const goSignal = () =>
  new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line !== 'go') return;
      lines.close();
      resolve();
    });
  });

if (command === 'calls') {
  const [count, limit] = args.map(Number) as [number, number];
  const limiter = new RedisRateLimiter({
    ...base,
    limits: [
      {
        name: 'rph',
        scope: 'user',
        algorithm: 'fixed-window',
        anchor: 'first-hit',
        limit,
        windowMs: 3_600_000,
      },
      {
        name: 'tph',
        scope: 'user',
        unit: 'tokens',
        algorithm: 'fixed-window',
        anchor: 'first-hit',
        limit: 1e9,
        windowMs: 3_600_000,
      },
    ],
  });
  const inner = new MockLanguageModelV3({ modelId: 'm', doGenerate: async () => answer('ok') });
  const model = wrapLanguageModel({ model: inner, middleware: productionMiddleware({ identity, limiter }) });
  const go = goSignal();
  process.stdout.write('ready\n');
  await go;
  let admitted = 0;
  for (let call = 0; call < count; call++) {
    const { text } = await generateText({ model, prompt: `question ${call}`, maxRetries: 0 });
    if (text === 'ok') admitted++;
  }
  process.stdout.write(`done ${admitted} ${count - admitted} ${inner.doGenerateCalls.length}\n`);
} else if (command === 'trip' || command === 'call') {
  const breaker = breakerOf();
  const inner = new MockLanguageModelV3({
    modelId: args[0]!,
    doGenerate: async () => {
      if (command === 'trip') throw unavailable();
      return answer('ok');
    },
  });
  const model = wrapLanguageModel({ model: inner, middleware: productionMiddleware({ identity, breaker }) });
  const outcome = await generateText({ model, prompt: 'hi', maxRetries: 0 }).then(
    () => 'answered',
    (error: { code?: string; name?: string }) => `rejected ${error.code ?? error.name}`,
  );
  if (command === 'trip')
    process.stdout.write(`tripped ${(await breaker.getState(`model:${args[0]}`)).state}\n`);
  else process.stdout.write(`${outcome} ${inner.doGenerateCalls.length}\n`);
  await breaker.close();
}
await client.quit();
