import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { InMemorySemanticCache } from './in-memory-semantic-cache.js';
import { MAX_CACHE_REQUEST_BYTES, MAX_CACHE_REQUEST_MESSAGES } from './request-limits.js';

const ask = (messages: unknown) => ({ tenant: 't', model: 'm', messages }) as never;

describe('semantic cache request limits', () => {
  it('refuses a million messages without reading one of them', async () => {
    let reads = 0;
    const messages = new Proxy(Array.from({ length: 1_000_000 }), {
      get(target, property, receiver) {
        if (typeof property === 'string' && /^\d+$/.test(property)) reads++;
        return Reflect.get(target, property, receiver);
      },
    });
    const cache = new InMemorySemanticCache({ failOpen: false });
    const error = await cache.lookup(ask(messages)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]?.path).toEqual(['messages']);
    expect(reads).toBe(0);
    expect((await cache.stats()).lookups).toBe(0);
  });

  it('takes exactly MAX_CACHE_REQUEST_MESSAGES messages', async () => {
    const cache = new InMemorySemanticCache({ failOpen: false });
    const message = { role: 'user', content: 'hi' };
    const limit = Array.from({ length: MAX_CACHE_REQUEST_MESSAGES }, () => message);
    expect(await cache.lookup(ask(limit))).toMatchObject({ hit: false });
    await expect(cache.lookup(ask([...limit, message]))).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('refuses more than MAX_CACHE_REQUEST_BYTES, deep and circular requests and responses, before storing', async () => {
    const cache = new InMemorySemanticCache({ failOpen: false });
    const big = [{ role: 'user', content: 'x'.repeat(MAX_CACHE_REQUEST_BYTES) }];
    await expect(cache.lookup(ask(big))).rejects.toThrow(/more than 4194304 bytes/);
    let deep: unknown = 'leaf';
    for (let level = 0; level < 10_000; level++) deep = [deep];
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const request = ask([{ role: 'user', content: 'q' }]);
    for (const payload of [deep, loop])
      await expect(cache.store(request, { content: 'a', payload })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(cache.lookup({ ...(request as object), sampling: { deep } } as never)).rejects.toThrow(
      /sampling\.deep(\[0\])+ nests more than 128/,
    );
    expect(await cache.lookup(request)).toMatchObject({ hit: false });
  });
});
