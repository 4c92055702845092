import {
  InvalidInputError,
  InvalidOptionsError,
  type CachedResponse,
  type Embedder,
  type SemanticCache,
  type SemanticCacheLookupResult,
  type SemanticCacheOptions,
  type SemanticCacheRequest,
} from '@tristack/core';
import { afterEach, describe, expect, it } from 'vitest';

export { semanticCachePairs, type LabelledPair, type PairCategory } from './semantic-cache-pairs.js';
export {
  measurePairs,
  qualityTable,
  formatQualityTable,
  type MeasuredPair,
  type QualityRow,
} from './semantic-cache-quality.js';

export interface SemanticCacheConformanceContext {
  /**
   * Creates a cache. Every instance created from one context shares the store, like processes of a
   * fleet sharing one Redis. May throw `InvalidOptionsError`.
   */
  create(options?: SemanticCacheOptions): SemanticCache | Promise<SemanticCache>;
  /** Lets `ms` of the store's time pass: advance a ManualClock, or sleep when the store keeps real time. */
  wait(ms: number): Promise<void>;
  /** Called after each test. */
  cleanup?(): Promise<void>;
}

export interface SemanticCacheConformanceOptions {
  /**
   * `true` when the driver has a semantic tier here; otherwise why not (printed, and the semantic
   * cases are not run — they never count as passed).
   */
  semanticTier: true | string;
}

/** TTLs long enough to survive a loaded machine, short enough for drivers that keep real time. */
const TTL_MS = 1_000;

/** A one-message request of tenant `tenant-a` to `model-1`, with overrides. */
export const semanticCacheRequest = (
  text: string,
  overrides: Partial<SemanticCacheRequest> = {},
): SemanticCacheRequest => ({
  tenant: 'tenant-a',
  model: 'model-1',
  messages: [{ role: 'user', content: text }],
  ...overrides,
});

const ask = semanticCacheRequest;

const answer = (text: string): CachedResponse => ({
  content: text,
  usage: { inputTokens: 100, outputTokens: 50 },
});

function expectHit(
  result: SemanticCacheLookupResult,
  kind: 'exact' | 'semantic',
): asserts result is Extract<SemanticCacheLookupResult, { hit: true }> {
  expect(result).toMatchObject({ hit: true, kind });
}

/** Counts texts sent to the wrapped embedder. */
export class CountingEmbedder implements Embedder {
  readonly texts: string[] = [];
  failing = false;
  constructor(
    private readonly inner: Embedder,
    readonly id = inner.id,
  ) {}
  get dimensions(): number {
    return this.inner.dimensions;
  }
  async embed(texts: readonly string[]): Promise<number[][]> {
    if (this.failing) throw new Error('embedding service down');
    this.texts.push(...texts);
    return this.inner.embed(texts);
  }
}

/**
 * The behaviour every `SemanticCache` driver must have: exact hits, semantic hits above the threshold
 * and misses below it, `0` and `1` honoured literally, per-scope thresholds, strict scope isolation
 * (tenant, model, system prompt, tools, tool choice, sampling, tags, history, attachments), content
 * blocks in the key, TTL and refresh on hit, invalidation, do-not-cache rules, stats, fail-open and
 * validation.
 */
export function describeSemanticCache(
  name: string,
  setup: () => SemanticCacheConformanceContext | Promise<SemanticCacheConformanceContext>,
  conformance: SemanticCacheConformanceOptions,
): void {
  describe(`SemanticCache conformance: ${name}`, () => {
    let context: SemanticCacheConformanceContext | undefined;
    const fresh = async (options?: SemanticCacheOptions) => {
      context ??= await setup();
      return context.create(options);
    };
    const wait = (ms: number) => context!.wait(ms);
    afterEach(async () => {
      await context?.cleanup?.();
      context = undefined;
    });

    describe('exact tier', () => {
      it('returns the stored response for the same request, with similarity 1 and its age', async () => {
        const cache = await fresh();
        const response: CachedResponse = {
          content: [{ type: 'text', text: 'Use the reset link.' }],
          finishReason: 'stop',
          payload: { generations: [{ text: 'Use the reset link.', nested: [1, null, true] }] },
        };
        expect(await cache.lookup(ask('How do I reset my password?'))).toEqual({
          hit: false,
          reason: 'no-match',
        });
        const stored = await cache.store(ask('How do I reset my password?'), response);
        expect(stored).toMatchObject({ stored: true, entryId: expect.stringMatching(/^[0-9a-f]{32}$/) });
        await wait(20);
        const result = await cache.lookup(ask('How do I reset my password?'), { exactOnly: true });
        expectHit(result, 'exact');
        expect(result.response).toEqual(response);
        expect(result.similarity).toBe(1);
        expect(result.entryId).toBe(stored.stored && stored.entryId);
        expect(result.ageMs).toBeGreaterThanOrEqual(15);
        expect(result.ageMs).toBeLessThan(10_000);
      });

      it('keeps content blocks in the key: another image or file is another request', async () => {
        const cache = await fresh();
        const withImage = (data: string, text = 'What is in this picture?') =>
          ask('', {
            messages: [
              {
                role: 'user',
                content: [
                  { type: 'text', text },
                  { type: 'image', mimeType: 'image/png', data },
                ],
              },
            ],
          });
        await cache.store(withImage('iVBORw0KGgoAAAANSUhEUgAAAAE='), answer('a red square'));
        expectHit(await cache.lookup(withImage('iVBORw0KGgoAAAANSUhEUgAAAAE=')), 'exact');
        const other = await cache.lookup(withImage('iVBORw0KGgoAAAANSUhEUgAAAAI='), { threshold: 0 });
        expect(other.hit).toBe(false);
        const file = ask('', {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is in this picture?' },
                { type: 'file', fileId: 'f-1' },
              ],
            },
          ],
        });
        expect((await cache.lookup(file, { threshold: 0 })).hit).toBe(false);
      });

      it('never answers across tenants, models, system prompts, tools, tool choice, sampling, tags or history', async () => {
        const cache = await fresh();
        const base = ask('How do I reset my password?', {
          system: 'You are the support bot of Acme.',
          tools: [{ name: 'lookup_account', parameters: { type: 'object' } }],
          toolChoice: 'auto',
          sampling: { temperature: 0, maxTokens: 200 },
          tags: { locale: 'en' },
        });
        await cache.store(base, answer('Use the reset link.'));
        expectHit(await cache.lookup(base), 'exact');
        const variants: [string, SemanticCacheRequest][] = [
          ['tenant', { ...base, tenant: 'tenant-b' }],
          ['model', { ...base, model: 'model-2' }],
          ['system prompt', { ...base, system: 'You are the support bot of Globex.' }],
          [
            'system message',
            {
              ...base,
              messages: [{ role: 'system', content: 'Answer in French.' }, ...base.messages],
            },
          ],
          ['tools', { ...base, tools: [{ name: 'delete_account', parameters: { type: 'object' } }] }],
          ['no tools', { ...base, tools: undefined, toolChoice: undefined }],
          ['tool choice', { ...base, toolChoice: { type: 'tool', name: 'lookup_account' } }],
          ['sampling', { ...base, sampling: { temperature: 0, maxTokens: 400 } }],
          ['tags', { ...base, tags: { locale: 'de' } }],
          ['extra tag', { ...base, tags: { locale: 'en', plan: 'pro' } }],
          [
            'history',
            {
              ...base,
              messages: [
                { role: 'user', content: 'I use the mobile app.' },
                { role: 'assistant', content: 'Noted.' },
                ...base.messages,
              ],
            },
          ],
        ];
        for (const [what, request] of variants) {
          const result = await cache.lookup(request, { threshold: 0 });
          expect({ what, hit: result.hit }).toEqual({ what, hit: false });
        }
      });

      it('expires entries after their TTL; the per-entry TTL overrides the default', async () => {
        const cache = await fresh({ ttlMs: 60_000 });
        await cache.store(ask('short'), answer('s'), { ttlMs: TTL_MS });
        await cache.store(ask('long'), answer('l'));
        expectHit(await cache.lookup(ask('short'), { exactOnly: true }), 'exact');
        await wait(TTL_MS + 300);
        expect(await cache.lookup(ask('short'), { exactOnly: true })).toMatchObject({ hit: false });
        expectHit(await cache.lookup(ask('long')), 'exact');
      });

      it('restarts the TTL on every hit when refreshOnHit is on, and not when it is off', async () => {
        const refreshing = await fresh();
        const fixed = await context!.create({ name: 'fixed', refreshOnHit: false });
        await refreshing.store(ask('q'), answer('a'), { ttlMs: TTL_MS });
        await fixed.store(ask('q'), answer('a'), { ttlMs: TTL_MS });
        await wait(TTL_MS - 300);
        expectHit(await refreshing.lookup(ask('q')), 'exact');
        expectHit(await fixed.lookup(ask('q')), 'exact');
        await wait(600);
        // Past the original expiry: only the refreshed entry is still there.
        expectHit(await refreshing.lookup(ask('q')), 'exact');
        expect((await fixed.lookup(ask('q'))).hit).toBe(false);
        await wait(TTL_MS + 300);
        expect((await refreshing.lookup(ask('q'))).hit).toBe(false);
      });

      it('caches nothing for error responses, tool calls, high temperature or a refusing predicate', async () => {
        const cache = await fresh({
          maxTemperature: 0.5,
          cacheable: (_request, response) => !String(response.content).includes('SECRET'),
        });
        expect(await cache.store(ask('a'), { content: 'upstream failed', isError: true })).toEqual({
          stored: false,
          reason: 'error-response',
        });
        expect(
          await cache.store(ask('b'), {
            content: '',
            toolCalls: [{ id: 'c1', name: 'search', args: { q: 'x' } }],
          }),
        ).toEqual({ stored: false, reason: 'tool-calls' });
        const hot = ask('c', { sampling: { temperature: 0.9 } });
        expect(await cache.store(hot, answer('c'))).toEqual({ stored: false, reason: 'temperature' });
        expect(await cache.lookup(hot)).toEqual({ hit: false, reason: 'not-cacheable' });
        expect(await cache.store(ask('d'), answer('the SECRET plan'))).toEqual({
          stored: false,
          reason: 'predicate',
        });
        for (const text of ['a', 'b', 'c', 'd'])
          expect((await cache.lookup(ask(text), { threshold: 0 })).hit).toBe(false);
        const cool = ask('e', { sampling: { temperature: 0.5 } });
        expect(await cache.store(cool, answer('e'))).toMatchObject({ stored: true });
        expectHit(await cache.lookup(cool), 'exact');

        const toolCaching = await context!.create({ cacheToolCalls: true });
        const withTools = { content: '', toolCalls: [{ id: 'c1', name: 'search', args: { q: 'x' } }] };
        expect(await toolCaching.store(ask('f'), withTools)).toMatchObject({ stored: true });
        expect(await toolCaching.lookup(ask('f'))).toMatchObject({ hit: true, response: withTools });
      });

      it('invalidates by entry id, model, tags and tenant, and only there', async () => {
        const cache = await fresh();
        const one = await cache.store(ask('one', { tags: { topic: 'billing' } }), answer('1'));
        await cache.store(ask('two', { tags: { topic: 'billing', locale: 'en' } }), answer('2'));
        await cache.store(ask('three', { model: 'model-2' }), answer('3'));
        await cache.store(ask('four'), answer('4'));
        await cache.store(ask('four', { tenant: 'tenant-b' }), answer('4b'));
        if (!one.stored) throw new Error('store failed');

        expect(await cache.invalidate({ tenant: 'tenant-a', entryIds: [one.entryId] })).toEqual({
          removed: 1,
        });
        expect((await cache.lookup(ask('one', { tags: { topic: 'billing' } }), { threshold: 0 })).hit).toBe(
          false,
        );
        expect(await cache.invalidate({ tenant: 'tenant-a', tags: { topic: 'billing' } })).toEqual({
          removed: 1,
        });
        expect((await cache.lookup(ask('two', { tags: { topic: 'billing', locale: 'en' } }))).hit).toBe(
          false,
        );
        expect(await cache.invalidate({ tenant: 'tenant-a', model: 'model-2' })).toEqual({ removed: 1 });
        expect((await cache.lookup(ask('three', { model: 'model-2' }))).hit).toBe(false);
        expectHit(await cache.lookup(ask('four')), 'exact');
        expect(await cache.invalidate({ tenant: 'tenant-a' })).toEqual({ removed: 1 });
        expect((await cache.lookup(ask('four'))).hit).toBe(false);
        expectHit(await cache.lookup(ask('four', { tenant: 'tenant-b' })), 'exact');
        expect(await cache.invalidate({ tenant: 'nobody' })).toEqual({ removed: 0 });
      });

      it('counts lookups, hits, misses, stores and the tokens and cost hits saved', async () => {
        const cache = await fresh({
          pricing: { 'model-1': { inputPerMillionTokens: 2, outputPerMillionTokens: 8 } },
        });
        await cache.store(ask('priced'), answer('p'));
        await cache.store(ask('explicit'), answer('e'), {
          costUsd: 0.5,
          usage: { inputTokens: 7, outputTokens: 3 },
        });
        await cache.store(ask('estimated'), { content: 'x'.repeat(40) });
        await cache.store(ask('bad'), { content: 'no', isError: true });
        await cache.lookup(ask('priced'));
        await cache.lookup(ask('explicit'));
        await cache.lookup(ask('estimated'));
        await cache.lookup(ask('nothing like it'), { exactOnly: true });
        await cache.lookup(ask('hot', { sampling: { temperature: 2 } }));
        const local = await cache.stats();
        // priced: 100×2 + 50×8 = 600 µUSD; explicit: 0.5 USD; estimated: 3 + 10 tokens (4 characters
        // a token) priced 3×2 + 10×8 = 86 µUSD.
        expect(local).toEqual({
          lookups: 5,
          exactHits: 3,
          semanticHits: 0,
          misses: 2,
          stores: 3,
          skippedStores: 1,
          tokensSaved: 150 + 10 + 13,
          costSavedUsd: expect.closeTo(0.500686, 9),
        });
        // The tenant's counters live with the entries (fleet-wide for shared stores); requests that
        // never reach the store (not cacheable, skipped stores) are only counted locally.
        const other = await context!.create();
        expect(await other.stats({ tenant: 'tenant-a' })).toEqual({
          lookups: 4,
          exactHits: 3,
          semanticHits: 0,
          misses: 1,
          stores: 3,
          skippedStores: 0,
          tokensSaved: 173,
          costSavedUsd: expect.closeTo(0.500686, 9),
        });
        expect(await other.stats()).toMatchObject({ lookups: 0, stores: 0 });
        expect(await other.stats({ tenant: 'tenant-b' })).toMatchObject({ lookups: 0, stores: 0 });
      });

      it('rejects invalid input with InvalidInputError and writes nothing', async () => {
        const cache = await fresh();
        const invalid: unknown[] = [
          { ...ask('x'), tenant: '' },
          { ...ask('x'), messages: [] },
          { ...ask('x'), model: '' },
          { ...ask('x'), tags: { locale: 7 } },
          { ...ask('x'), sampling: { temperature: Number.NaN } },
          { ...ask('x'), tools: [{ handler: () => 1 }] },
          { ...ask('x'), messages: [{ role: 'user', content: [{ text: 'no type' }] }] },
        ];
        for (const request of invalid) {
          await expect(cache.store(request as SemanticCacheRequest, answer('a'))).rejects.toBeInstanceOf(
            InvalidInputError,
          );
          await expect(cache.lookup(request as SemanticCacheRequest)).rejects.toBeInstanceOf(
            InvalidInputError,
          );
        }
        await expect(
          cache.store(ask('x'), { content: 5 } as unknown as CachedResponse),
        ).rejects.toBeInstanceOf(InvalidInputError);
        await expect(cache.store(ask('x'), answer('a'), { ttlMs: 0 })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(cache.lookup(ask('x'), { threshold: 1.5 })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(cache.invalidate({ tenant: '' })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(cache.invalidate({ tenant: 't', entryIds: ['../x'] })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        expect(await cache.stats({ tenant: 'tenant-a' })).toMatchObject({ stores: 0 });
        expect((await cache.lookup(ask('x'), { threshold: 0 })).hit).toBe(false);
        await expect(
          Promise.resolve().then(() => context!.create({ similarityThreshold: 2 })),
        ).rejects.toBeInstanceOf(InvalidOptionsError);
        await expect(
          Promise.resolve().then(() => context!.create({ embedder: { id: 'x' } as unknown as Embedder })),
        ).rejects.toBeInstanceOf(InvalidOptionsError);
      });
    });

    const semantic = conformance.semanticTier === true;
    if (!semantic) console.warn(`[tristack] NOT RUN: semantic tier of ${name}: ${conformance.semanticTier}`);
    describe.runIf(semantic)('semantic tier', () => {
      it('hits above the threshold with the similarity, misses below it', async () => {
        const cache = await fresh();
        expect(cache.semanticTier.available).toBe(true);
        const stored = await cache.store(ask('How do I reset my password?'), answer('Use the reset link.'));
        const close = await cache.lookup(ask('how can I reset my password'));
        expectHit(close, 'semantic');
        expect(close.entryId).toBe(stored.stored && stored.entryId);
        expect(close.response).toEqual(answer('Use the reset link.'));
        expect(close.similarity).toBeGreaterThanOrEqual(0.9);
        expect(close.similarity).toBeLessThan(1);
        const far = await cache.lookup(ask('What is the capital of Peru?'));
        expect(far).toMatchObject({ hit: false, reason: 'no-match' });
        expect(far.hit === false && far.nearestSimilarity).toBeLessThan(0.9);
        // The same words asking something else stay apart.
        expect((await cache.lookup(ask('How do I not reset my password?'))).hit).toBe(false);
      });

      it('honours thresholds 0 and 1 literally, per call and per scope', async () => {
        const cache = await fresh({
          thresholdForScope: (scope) => (scope.tags.strict === 'yes' ? 1 : undefined),
        });
        await cache.store(ask('How do I reset my password?'), answer('reset'));
        await cache.store(ask('How do I reset my password?', { tags: { strict: 'yes' } }), answer('strict'));
        expectHit(
          await cache.lookup(ask('Completely unrelated words about volcanoes'), { threshold: 0 }),
          'semantic',
        );
        expect((await cache.lookup(ask('how can I reset my password'), { threshold: 1 })).hit).toBe(false);
        // Whitespace differences change the request (exact miss) but not the match text: similarity 1.
        const identical = await cache.lookup(ask('  How do I reset   my password?'), { threshold: 1 });
        expectHit(identical, 'semantic');
        expect(identical.similarity).toBe(1);
        expectHit(await cache.lookup(ask('how can I reset my password')), 'semantic');
        const strict = await cache.lookup(ask('how can I reset my password', { tags: { strict: 'yes' } }));
        expect(strict.hit).toBe(false);
        expectHit(
          await cache.lookup(ask('How do I reset my password? ', { tags: { strict: 'yes' } })),
          'semantic',
        );
      });

      it('matches the last user message by default, or the given match text', async () => {
        const cache = await fresh({ includeHistoryInScope: false });
        const conversation = (last: string): SemanticCacheRequest =>
          ask('', {
            messages: [
              { role: 'user', content: 'Tell me about volcanoes.' },
              { role: 'assistant', content: 'They erupt.' },
              { role: 'user', content: last },
            ],
          });
        await cache.store(conversation('How do I reset my password?'), answer('reset'));
        expectHit(await cache.lookup(ask('how can I reset my password')), 'semantic');
        expect((await cache.lookup(ask('Tell me about volcanoes.'))).hit).toBe(false);
        await cache.store(
          ask('opaque prompt 1', { matchText: 'What is the refund policy?' }),
          answer('30 days'),
        );
        expectHit(
          await cache.lookup(ask('opaque prompt 2', { matchText: 'whats your refund policy' })),
          'semantic',
        );
      });

      it('keeps scopes apart even at threshold 0, history included by default', async () => {
        const cache = await fresh();
        const base = ask('How do I reset my password?', { system: 'Acme bot', tags: { locale: 'en' } });
        await cache.store(base, answer('reset'));
        expectHit(
          await cache.lookup(
            { ...base, messages: [{ role: 'user', content: 'volcanoes?' }] },
            { threshold: 0 },
          ),
          'semantic',
        );
        for (const other of [
          { ...base, tenant: 'tenant-b' },
          { ...base, model: 'model-2' },
          { ...base, system: 'Globex bot' },
          { ...base, tags: { locale: 'fr' } },
          { ...base, sampling: { temperature: 0 } },
          { ...base, tools: [{ name: 't' }] },
          { ...base, messages: [{ role: 'user', content: 'earlier' }, ...base.messages] },
        ])
          expect((await cache.lookup(other, { threshold: 0 })).hit).toBe(false);
      });

      it('embeds each text once: the lookup miss and the store that follows share one embedding', async () => {
        const embedder = new CountingEmbedder((await fresh()).embedder);
        const cache = await context!.create({ embedder });
        expect((await cache.lookup(ask('What is the refund policy?'))).hit).toBe(false);
        await cache.store(ask('What is the refund policy?'), answer('30 days'));
        expectHit(await cache.lookup(ask('What is the refund policy?')), 'exact');
        expectHit(await cache.lookup(ask('whats your refund policy')), 'semantic');
        expectHit(await cache.lookup(ask('whats your refund policy')), 'semantic');
        expect(embedder.texts).toEqual(['What is the refund policy?', 'whats your refund policy']);
      });

      it('never compares vectors of two embedders', async () => {
        const first = await fresh();
        await first.store(ask('How do I reset my password?'), answer('reset'));
        const second = await context!.create({
          embedder: new CountingEmbedder(first.embedder, 'another-model/384'),
        });
        expect((await second.lookup(ask('how can I reset my password'), { threshold: 0 })).hit).toBe(false);
        // The exact tier does not depend on the embedder.
        expectHit(await second.lookup(ask('How do I reset my password?')), 'exact');
      });

      it('drops expired and invalidated entries from the semantic tier', async () => {
        const cache = await fresh();
        await cache.store(ask('How do I reset my password?'), answer('reset'), { ttlMs: TTL_MS });
        await cache.store(ask('What is the refund policy?'), answer('30 days'));
        expectHit(await cache.lookup(ask('how can I reset my password')), 'semantic');
        await wait(TTL_MS + 300);
        const expired = await cache.lookup(ask('how can I reset my password'), { threshold: 0.5 });
        expect(expired.hit).toBe(false);
        await cache.invalidate({ tenant: 'tenant-a' });
        expect((await cache.lookup(ask('whats your refund policy'), { threshold: 0 })).hit).toBe(false);
      });

      it('counts semantic hits and what they saved', async () => {
        const cache = await fresh();
        await cache.store(ask('How do I reset my password?'), answer('reset'));
        await cache.lookup(ask('how can I reset my password'));
        await cache.lookup(ask('What is the capital of Peru?'));
        expect(await cache.stats()).toMatchObject({
          lookups: 2,
          semanticHits: 1,
          misses: 1,
          tokensSaved: 150,
        });
        expect(await cache.stats({ tenant: 'tenant-a' })).toMatchObject({
          lookups: 2,
          semanticHits: 1,
          misses: 1,
          tokensSaved: 150,
        });
      });

      it('fails open when the embedder fails: exact hits still work, semantic lookups miss', async () => {
        const embedder = new CountingEmbedder((await fresh()).embedder);
        const errors: string[] = [];
        const cache = await context!.create({
          embedder,
          onError: (error, operation) => errors.push(`${operation}: ${(error as Error).message}`),
        });
        await cache.store(ask('How do I reset my password?'), answer('reset'));
        embedder.failing = true;
        expectHit(await cache.lookup(ask('How do I reset my password?')), 'exact');
        expect(await cache.lookup(ask('how can I reset my password'))).toEqual({
          hit: false,
          reason: 'unavailable',
        });
        expect(await cache.store(ask('What is the refund policy?'), answer('30 days'))).toMatchObject({
          stored: true,
        });
        expectHit(await cache.lookup(ask('What is the refund policy?')), 'exact');
        expect(errors).toEqual(['lookup: embedding service down', 'store: embedding service down']);
        const strict = await context!.create({ embedder, failOpen: false });
        await expect(strict.lookup(ask('how can I reset my password'))).rejects.toThrow(
          /embedding service down/,
        );
      });
    });
  });
}
