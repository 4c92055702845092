import {
  InvalidInputError,
  InvalidOptionsError,
  combineGuards,
  defaultNearMissGuard,
  type NearMissGuard,
  type CachedResponse,
  type Embedder,
  type SemanticCache,
  type SemanticCacheInvalidateFilter,
  type SemanticCacheLookupResult,
  type SemanticCacheOptions,
  type SemanticCacheRequest,
  type SemanticCacheInspector,
} from '@tristack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectorOf } from './inspector-of.js';

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

/** `text` with everything outside printable ASCII as `\u` escapes: look-alikes told apart in a failure. */
const visible = (text: string): string =>
  `"${text.replace(/[^\x20-\x7e]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;

/** Pairs that are one string to a reader and two ids to the cache: Unicode forms, space classes. */
const LOOKALIKE_IDS = [
  ['\u00e9', 'e\u0301'],
  ['\u212B', '\u00C5'],
  ['alice\u2000', 'alice\u2002'],
  ['alice\u00A0', 'alice '],
  ['\uFB01', 'fi'],
] as const;

/**
 * Stores an answer for the first id of each pair, checks the second misses even at threshold 0,
 * stores the second's, then checks each id gets its own answer.
 */
async function expectSeparateScopes(
  cache: SemanticCache,
  field: string,
  request: (id: string) => SemanticCacheRequest,
  pairs: readonly (readonly [string, string])[],
): Promise<void> {
  for (const [first, second] of pairs) {
    const what = `${field} ${visible(first)} / ${visible(second)}`;
    await cache.store(request(first), answer(`for ${visible(first)}`));
    const other = await cache.lookup(request(second), { threshold: 0 });
    expect({ what, hit: other.hit }).toEqual({ what, hit: false });
    await cache.store(request(second), answer(`for ${visible(second)}`));
    for (const id of [first, second]) {
      const own = await cache.lookup(request(id), { exactOnly: true });
      expect({ what, content: own.hit ? own.response.content : undefined }).toEqual({
        what,
        content: `for ${visible(id)}`,
      });
    }
  }
}

const NO_REJECTIONS = {
  number: 0,
  date: 0,
  entity: 0,
  negation: 0,
  direction: 0,
  action: 0,
  scope: 0,
  length: 0,
};

/**
 * Vectors chosen by the test: each listed text gets its vector, any other text a far one. `near(c)`
 * is a unit vector at cosine `c` from `BASE` made only of components far below Q8's quantisation
 * step beside BASE's one large component: int8 storage rounds it onto BASE (score 1).
 */
export class TableEmbedder implements Embedder {
  static readonly DIMENSIONS = 512;
  static readonly BASE: readonly number[] = Array.from({ length: 512 }, (_, index) => (index === 0 ? 1 : 0));
  static near(cosine: number): number[] {
    const spread = Math.sqrt((1 / (cosine * cosine) - 1) / 511);
    return Array.from({ length: 512 }, (_, index) => (index === 0 ? 1 : index % 2 ? spread : -spread));
  }
  readonly dimensions = TableEmbedder.DIMENSIONS;
  constructor(
    private readonly table: Readonly<Record<string, readonly number[]>>,
    readonly id = 'table-embedder/512',
  ) {}
  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => [
      ...(this.table[text] ?? Array.from({ length: 512 }, (_, index) => (index === 1 ? 1 : 0))),
    ]);
  }
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
 * (tenant, user, model, system prompt, tools, tool choice, sampling, tags, history, attachments), content
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

      it('never answers across users: each user, and the shared (user-less) scope, is its own scope', async () => {
        const cache = await fresh();
        const alice = ask('What is in my inbox?', { user: 'alice' });
        await cache.store(alice, answer('Alice: 3 unread, one from Jane Miller'));
        expectHit(await cache.lookup(alice), 'exact');
        const others: [string, SemanticCacheRequest][] = [
          ['another user', { ...alice, user: 'bob' }],
          ['no user', ask('What is in my inbox?')],
          ['same user, another tenant', { ...alice, tenant: 'tenant-b' }],
        ];
        for (const [what, request] of others) {
          const result = await cache.lookup(request, { threshold: 0 });
          expect({ what, hit: result.hit }).toEqual({ what, hit: false });
        }
        // Tenant and user are separate fields, never joined: ('tenant-a:x', 'y') is not ('tenant-a', 'x:y').
        await cache.store(ask('q', { tenant: 'tenant-a:x', user: 'y' }), answer('joined'));
        expect(
          (await cache.lookup(ask('q', { tenant: 'tenant-a', user: 'x:y' }), { threshold: 0 })).hit,
        ).toBe(false);
        // A shared entry is served to user-less requests only.
        await cache.store(ask('What are your opening hours?'), answer('9 to 5'));
        expectHit(await cache.lookup(ask('What are your opening hours?')), 'exact');
        expect(
          (await cache.lookup(ask('What are your opening hours?', { user: 'carol' }), { threshold: 0 })).hit,
        ).toBe(false);
      });

      it('with history out of scope, neither stores nor serves requests that carry tool results', async () => {
        const inboxTurn = (user: string, inbox: string): SemanticCacheRequest =>
          ask('', {
            user,
            messages: [
              { role: 'user', content: "What's in my inbox?" },
              { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'list_inbox', args: {} }] },
              { role: 'tool', content: inbox, toolCallId: 'c1' },
            ],
          });
        const flat = await fresh({ includeHistoryInScope: false });
        expect(
          await flat.store(inboxTurn('alice', 'From Jane: rent'), answer('Jane wrote about rent')),
        ).toEqual({
          stored: false,
          reason: 'tool-results',
        });
        expect(await flat.lookup(inboxTurn('alice', 'From Jane: rent'))).toEqual({
          hit: false,
          reason: 'not-cacheable',
        });
        expect((await flat.lookup(ask("What's in my inbox?", { user: 'alice' }), { threshold: 0 })).hit).toBe(
          false,
        );
        // With history in scope the tool results are scope: the same result hits, another misses.
        const scoped = await fresh();
        await scoped.store(inboxTurn('alice', 'From Jane: rent'), answer('Jane wrote about rent'));
        expectHit(await scoped.lookup(inboxTurn('alice', 'From Jane: rent')), 'exact');
        expect((await scoped.lookup(inboxTurn('alice', 'From Bob: lunch'), { threshold: 0 })).hit).toBe(
          false,
        );
        expect((await scoped.lookup(inboxTurn('bob', 'From Jane: rent'), { threshold: 0 })).hit).toBe(false);
      });

      it('keeps tenant, user and model exact: look-alike ids never share an answer, prompt text is normalised', async () => {
        const cache = await fresh();
        for (const [field, request] of [
          ['tenant', (id: string) => ask('What is in my inbox?', { tenant: id })],
          ['user', (id: string) => ask('What is in my inbox?', { user: id })],
          ['model', (id: string) => ask('What is in my inbox?', { model: id })],
        ] as const)
          await expectSeparateScopes(cache, field, request, LOOKALIKE_IDS);
        // Prompt text keeps its normalisation: the same question in another Unicode form or with
        // other line ends is the same request.
        await cache.store(ask('caf\u00e9\r\nopen?', { user: 'carol' }), answer('yes'));
        expectHit(
          await cache.lookup(ask('cafe\u0301\nopen?', { user: 'carol' }), { exactOnly: true }),
          'exact',
        );
      });

      it('keeps tag keys and values exact: look-alikes and other line ends never share an answer', async () => {
        const cache = await fresh();
        // Tags are scope (and were the way to scope by user before `user`): a tag value is free
        // text, but `alice\r` and `alice\n` are two users all the same.
        const pairs = [...LOOKALIKE_IDS, ['alice\r', 'alice\n'], ['bob\r\n', 'bob\n']] as const;
        await expectSeparateScopes(
          cache,
          'tag value',
          (id) => ask('What is in my inbox?', { tags: { user: id } }),
          pairs,
        );
        await expectSeparateScopes(
          cache,
          'tag key',
          (id) => ask('What is in my inbox?', { tags: { [id]: 'x' } }),
          pairs,
        );
        // Invalidating one tag value leaves its look-alike's entry alone.
        expect(await cache.invalidate({ tenant: 'tenant-a', tags: { user: 'alice\r' } })).toEqual({
          removed: 1,
        });
        expectHit(await cache.lookup(ask('What is in my inbox?', { tags: { user: 'alice\n' } })), 'exact');
      });

      it('rejects ill-formed tags and ids with InvalidInputError, so invalidation keeps working', async () => {
        const cache = await fresh();
        await cache.store(ask('q', { tags: { user: 'alice' } }), answer('a'));
        const illFormed: [string, SemanticCacheRequest][] = [
          ['tag value', ask('q', { tags: { user: 'alice\uD800' } })],
          ['tag value (low surrogate)', ask('q', { tags: { user: '\uDC00' } })],
          ['tag key', ask('q', { tags: { ['user\uDBFF']: 'alice' } })],
          ['model', ask('q', { model: 'model\uD800' })],
          ['tenant', ask('q', { tenant: 'tenant\uD800' })],
          ['user', ask('q', { user: '\uDFFFbob' })],
          ['tool call id', ask('q', { messages: [{ role: 'tool', content: 'x', toolCallId: 'c\uD800' }] })],
          ['message name', ask('q', { messages: [{ role: 'user', content: 'x', name: 'bob\uD800' }] })],
        ];
        for (const [what, request] of illFormed) {
          const stored = await cache.store(request, answer('b')).then(
            (result) => result,
            (error: unknown) => error,
          );
          expect({ what, rejected: stored instanceof InvalidInputError }).toEqual({ what, rejected: true });
          const looked = await cache.lookup(request).then(
            (result) => result,
            (error: unknown) => error,
          );
          expect({ what, rejected: looked instanceof InvalidInputError }).toEqual({ what, rejected: true });
        }
        const illFormedFilters: SemanticCacheInvalidateFilter[] = [
          { tenant: 'tenant-a', tags: { user: 'alice\uD800' } },
          { tenant: 'tenant-a', tags: { ['\uDC00']: 'alice' } },
          { tenant: 'tenant-a', model: 'model\uD800' },
        ];
        for (const filter of illFormedFilters)
          await expect(cache.invalidate(filter)).rejects.toBeInstanceOf(InvalidInputError);
        // Nothing ill-formed was stored: the tenant's invalidation reads every scope and still works.
        expect(await cache.invalidate({ tenant: 'tenant-a', tags: { user: 'alice' } })).toEqual({
          removed: 1,
        });
        expect(await cache.invalidate({ tenant: 'tenant-a' })).toEqual({ removed: 0 });
        expect(await cache.stats({ tenant: 'tenant-a' })).toMatchObject({ stores: 1 });
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

      it('restarts the TTL on a hit (a tenth of the TTL after the last restart) when refreshOnHit is on, and not when it is off', async () => {
        // Twice the suite's TTL: every step that expects an entry alive has 700 ms or more left.
        const ttlMs = 2 * TTL_MS;
        const refreshing = await fresh();
        const fixed = await context!.create({ name: 'fixed', refreshOnHit: false });
        await refreshing.store(ask('q'), answer('a'), { ttlMs });
        await fixed.store(ask('q'), answer('a'), { ttlMs });
        await wait(ttlMs - 1_000);
        expectHit(await refreshing.lookup(ask('q')), 'exact');
        expectHit(await fixed.lookup(ask('q')), 'exact');
        await wait(1_300);
        // Past the original expiry: only the refreshed entry is still there.
        expectHit(await refreshing.lookup(ask('q')), 'exact');
        expect((await fixed.lookup(ask('q'))).hit).toBe(false);
        await wait(ttlMs + 300);
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
          guardRejections: NO_REJECTIONS,
          judgeRejections: 0,
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
          guardRejections: NO_REJECTIONS,
          judgeRejections: 0,
        });
        expect(await other.stats()).toMatchObject({ lookups: 0, stores: 0 });
        expect(await other.stats({ tenant: 'tenant-b' })).toMatchObject({ lookups: 0, stores: 0 });
      });

      it('rejects invalid input with InvalidInputError and writes nothing', async () => {
        const cache = await fresh();
        const invalid: unknown[] = [
          { ...ask('x'), tenant: '' },
          { ...ask('x'), user: '' },
          { ...ask('x'), user: 'bob\uD800' },
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

      it("never answers one user's personal question for another user of the tenant", async () => {
        // Without the guard: it would turn Jane down for John (another name) whoever asks.
        const cache = await fresh({ guard: false });
        const personal = (user: string, name: string) =>
          ask(`My landlord ${name} wants the rent two weeks early. Can he do that?`, { user });
        await cache.store(
          personal('alice', 'John Miller'),
          answer('John Miller cannot, unless your lease says so.'),
        );
        // The two questions are close (about 0.88 with the default embedder): within one user they match…
        expectHit(await cache.lookup(personal('alice', 'Jane Miller'), { threshold: 0.8 }), 'semantic');
        // …but never across users, whatever the threshold.
        for (const threshold of [0.8, 0])
          expect((await cache.lookup(personal('bob', 'Jane Miller'), { threshold })).hit).toBe(false);
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

      it('turns down a near-miss the vectors would hit, counts why, and guard: false lets it through', async () => {
        const embedder = new TableEmbedder({
          'Merge PR 77': [...TableEmbedder.BASE],
          'Revert PR 77': TableEmbedder.near(0.9987),
          'merge PR 77 please': TableEmbedder.near(0.999),
        });
        const cache = await fresh({ embedder });
        await cache.store(ask('Merge PR 77'), answer('merged'));
        expect(await cache.lookup(ask('Revert PR 77'))).toEqual({
          hit: false,
          reason: 'near-miss',
          rejectedBy: 'action',
          nearestSimilarity: expect.closeTo(0.9987, 3),
        });
        // A rewording of the same request still hits.
        expectHit(await cache.lookup(ask('merge PR 77 please')), 'semantic');
        const rejected = { ...NO_REJECTIONS, action: 1 };
        expect(await cache.stats()).toMatchObject({
          lookups: 2,
          semanticHits: 1,
          misses: 1,
          guardRejections: rejected,
        });
        expect(await cache.stats({ tenant: 'tenant-a' })).toMatchObject({
          lookups: 2,
          semanticHits: 1,
          misses: 1,
          guardRejections: rejected,
          judgeRejections: 0,
        });
        const unguarded = await context!.create({ embedder, guard: false });
        const wrong = await unguarded.lookup(ask('Revert PR 77'));
        expectHit(wrong, 'semantic');
        expect(wrong.response).toEqual(answer('merged'));
        // A guard of one's own, combined with the default: it sees the stored prompt, then the query.
        const seen: string[][] = [];
        const noPleasantries: NearMissGuard = {
          check: (stored, query) => {
            seen.push([stored, query]);
            return query.includes('please') ? { accept: false, reason: 'scope' } : { accept: true };
          },
        };
        const combined = await context!.create({
          embedder,
          guard: combineGuards(defaultNearMissGuard, noPleasantries),
        });
        expect(await combined.lookup(ask('merge PR 77 please'))).toMatchObject({ rejectedBy: 'scope' });
        expect(seen).toEqual([['Merge PR 77', 'merge PR 77 please']]);
        expect((await combined.stats()).guardRejections).toEqual({ ...NO_REJECTIONS, scope: 1 });
        await expect(
          Promise.resolve().then(() => context!.create({ guard: { nope: 1 } as unknown as NearMissGuard })),
        ).rejects.toBeInstanceOf(InvalidOptionsError);
      });

      it('asks the judge only inside its band, once per candidate, and counts its refusals', async () => {
        // Rewordings the default guard accepts, at three similarities: above, inside and below the band.
        const stored = {
          otters: 'please tell me about animals',
          beavers: 'tell me about animals please',
          herons: 'could you tell me about animals',
        } as const;
        const embedder = new TableEmbedder({
          'tell me about animals': [...TableEmbedder.BASE],
          [stored.otters]: TableEmbedder.near(0.99),
          [stored.beavers]: TableEmbedder.near(0.85),
          [stored.herons]: TableEmbedder.near(0.7),
        });
        const asked: { stored: string; query: string; similarity: number }[] = [];
        let verdict = true;
        const cache = await fresh({
          embedder,
          judgeBand: [0.8, 0.95],
          judge: async ({ stored, query, similarity }) => {
            asked.push({ stored, query, similarity });
            return verdict;
          },
        });
        const tenants = { otters: 'band-above', beavers: 'band-inside', herons: 'band-below' } as const;
        for (const [animal, tenant] of Object.entries(tenants))
          await cache.store(ask(stored[animal as keyof typeof stored], { tenant }), answer(animal));
        const query = (tenant: string) => ask('tell me about animals', { tenant });
        expectHit(await cache.lookup(query(tenants.otters)), 'semantic');
        expect(await cache.lookup(query(tenants.herons))).toMatchObject({ hit: false, reason: 'no-match' });
        expect(asked).toEqual([]);
        expectHit(await cache.lookup(query(tenants.beavers)), 'semantic');
        expect(asked).toEqual([
          {
            stored: stored.beavers,
            query: 'tell me about animals',
            similarity: expect.closeTo(0.85, 4),
          },
        ]);
        verdict = false;
        expect(await cache.lookup(query(tenants.beavers))).toMatchObject({
          hit: false,
          reason: 'near-miss',
          rejectedBy: 'judge',
        });
        expect(asked).toHaveLength(2);
        expect(await cache.stats()).toMatchObject({ semanticHits: 2, judgeRejections: 1 });
        expect(await cache.stats({ tenant: tenants.beavers })).toMatchObject({
          semanticHits: 1,
          judgeRejections: 1,
        });
        // A threshold of the call sets the floor: at 1 only the same prompt hits, and no judge is asked.
        expect((await cache.lookup(query(tenants.beavers), { threshold: 1 })).hit).toBe(false);
        expect(asked).toHaveLength(2);
        await expect(
          Promise.resolve().then(() => context!.create({ judge: async () => true })),
        ).rejects.toBeInstanceOf(InvalidOptionsError);
      });

      it('at threshold 1 answers only the identical prompt, however close the vectors are', async () => {
        const embedder = new TableEmbedder({
          'What is the refund policy?': [...TableEmbedder.BASE],
          'What is the return policy?': TableEmbedder.near(0.9987),
          'what is the refund policy?': [...TableEmbedder.BASE],
        });
        const cache = await fresh({ embedder, guard: false });
        await cache.store(ask('What is the refund policy?'), answer('30 days'));
        // Cosine 0.9987: int8 quantisation alone would report 1.
        expect((await cache.lookup(ask('What is the return policy?'), { threshold: 1 })).hit).toBe(false);
        const close = await cache.lookup(ask('What is the return policy?'), { threshold: 0.99 });
        expectHit(close, 'semantic');
        expect(close.similarity).toBeCloseTo(0.9987, 3);
        // The same vector for another text is still another prompt.
        expect((await cache.lookup(ask('what is the refund policy?'), { threshold: 1 })).hit).toBe(false);
        const same = await cache.lookup(ask('What is the  refund policy? '), { threshold: 1 });
        expectHit(same, 'semantic');
        expect(same.similarity).toBe(1);
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

    it('inspector: per tenant, live entries, scopes and the shared counters', async () => {
      const cache = await fresh();
      await cache.store(ask('What is my plan?', { tenant: 'inspected' }), answer('basic'));
      await cache.store(ask('What is my plan?', { tenant: 'inspected', model: 'model-2' }), answer('pro'));
      await cache.lookup(ask('What is my plan?', { tenant: 'inspected' }), { exactOnly: true });
      await cache.lookup(ask('Something else entirely', { tenant: 'inspected' }), { exactOnly: true });
      await cache.store(ask('Hello', { tenant: 'inspected-too' }), answer('hi'));
      const inspector = inspectorOf<SemanticCacheInspector>(cache, 'SemanticCache');
      const inspection = await inspector.tenants();
      expect(inspection).toMatchObject({ undecodable: [], truncated: false });
      expect(inspection.found.map((state) => state.tenant)).toEqual(['inspected', 'inspected-too']);
      expect(inspection.found[0]).toMatchObject({
        exactEntries: 2,
        scopes: 2,
        stats: { lookups: 2, exactHits: 1, semanticHits: 0, misses: 1, stores: 2, tokensSaved: 150 },
      });
      expect(inspection.found[1]).toMatchObject({ exactEntries: 1, scopes: 1 });
      expect(inspection.vectorBackend.inUse).toEqual(expect.any(String));
      const bounded = await inspector.tenants({ limit: 1 });
      expect(bounded.truncated).toBe(true);
    });
  });
}
