// Runs the built middleware (`pnpm --filter @tristack/ai-sdk build` first) against AI SDK 7
// (`ai@7`, spec `LanguageModelV4`), which needs Node >= 22: the project itself stays on Node 20.
//   mkdir /tmp/ai7 && cd /tmp/ai7 && npm init -y && npm install node@22 ai@7
//   /tmp/ai7/node_modules/.bin/node packages/ai-sdk/scripts/ai-sdk-7-check.mjs /tmp/ai7
// Prints one line per check and "N passed, N failed"; exits non-zero on a failure.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryRateLimiter,
  InMemorySemanticCache,
} from '@tristack/core';
// The middleware entry only: it imports no `ai` runtime code, so the `ai@7` under test is the only one.
import { productionMiddleware, tristackMetadataOf, withRunIdentity } from '../dist/middleware/index.js';

const home = process.argv[2] ?? process.cwd();
const require = createRequire(join(home, 'package.json'));
const load = (specifier) => import(pathToFileURL(require.resolve(specifier)).href);
const { generateText, streamText, wrapLanguageModel } = await load('ai');
const { version } = require('ai/package.json');
const { MockLanguageModelV4 } = await load('ai/test');

const usage = (input, output) => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});
const answer = (text) => ({
  content: [{ type: 'text', text }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: usage(30, 10),
  warnings: [],
});
const streamed = (text) => ({
  stream: new ReadableStream({
    start(controller) {
      for (const part of [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: text },
        { type: 'text-end', id: 't' },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(50, 20) },
      ])
        controller.enqueue(part);
      controller.close();
    },
  }),
});

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

console.log(`ai ${version} on Node ${process.versions.node}`);
const alice = { tenantId: 'acme', userId: 'alice', runId: 'r1' };

await check('cache: a repeat is an exact hit, generated then streamed; another user misses', async () => {
  const inner = new MockLanguageModelV4({
    modelId: 'm',
    doGenerate: async () => answer('Paris'),
    doStream: async () => streamed('Paris (bob)'),
  });
  const model = wrapLanguageModel({
    model: inner,
    middleware: productionMiddleware({ cache: new InMemorySemanticCache({}) }),
  });
  await withRunIdentity(alice, () => generateText({ model, prompt: 'Capital of France?', maxRetries: 0 }));
  const again = await withRunIdentity(alice, async () => {
    const result = streamText({ model, prompt: 'Capital of France?', maxRetries: 0 });
    return { text: await result.text, metadata: await result.providerMetadata };
  });
  assert.equal(again.text, 'Paris');
  assert.equal(tristackMetadataOf(again.metadata).cached?.kind, 'exact');
  const bob = await withRunIdentity(
    { ...alice, userId: 'bob' },
    async () => streamText({ model, prompt: 'Capital of France?', maxRetries: 0 }).text,
  );
  assert.equal(bob, 'Paris (bob)');
});

await check('rate limit: tokens reconciled from usage, generated and streamed', async () => {
  const limiter = new InMemoryRateLimiter({
    limits: [
      {
        name: 'tpm',
        unit: 'tokens',
        scope: 'user',
        algorithm: 'fixed-window',
        limit: 10_000,
        windowMs: 60_000,
      },
    ],
  });
  const inner = new MockLanguageModelV4({
    modelId: 'm',
    doGenerate: async () => answer('a'),
    doStream: async () => streamed('b'),
  });
  const model = wrapLanguageModel({ model: inner, middleware: productionMiddleware({ limiter }) });
  await withRunIdentity(alice, () => generateText({ model, prompt: 'hi', maxRetries: 0 }));
  await withRunIdentity(alice, () => streamText({ model, prompt: 'hi', maxRetries: 0 }).consumeStream());
  const left = await limiter.peek({ user: 'tenant=acme:user=alice' }, { cost: { tokens: 0 } });
  assert.equal(left.remaining, 10_000 - 40 - 70);
});

await check('fallback with breaker on a 503, audited with the fallback taken', async () => {
  const auditLog = new InMemoryAuditLog();
  const breaker = new InMemoryCircuitBreaker({});
  const primary = new MockLanguageModelV4({
    modelId: 'primary',
    doGenerate: async () => {
      throw Object.assign(new Error('unavailable'), { statusCode: 503 });
    },
  });
  const backup = new MockLanguageModelV4({
    modelId: 'backup',
    doGenerate: async () => answer('from backup'),
  });
  const model = wrapLanguageModel({
    model: primary,
    middleware: productionMiddleware({ auditLog, breaker, fallbacks: [backup] }),
  });
  const result = await withRunIdentity(alice, () => generateText({ model, prompt: 'hi', maxRetries: 0 }));
  assert.equal(result.text, 'from backup');
  const [event] = (await auditLog.query({ tenantId: 'acme', runId: 'r1' })).events;
  assert.equal(event.type, 'model.call.finished');
  assert.deepEqual(event.data.fallback, { from: 'primary', to: 'backup', reason: 'server-error' });
  await breaker.close();
});

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
