import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { InMemorySemanticCache } from './in-memory-semantic-cache.js';
import { restartsTtl } from './ttl-restart.js';

const ask = (text: string) =>
  ({ tenant: 't', model: 'm', messages: [{ role: 'user', content: text }] }) as never;

describe('restartsTtl', () => {
  it('restarts once the last restart is min(ttl / 10, 1 min) old, never before', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 366 * 86_400_000 }),
        fc.integer({ min: 0, max: 2 ** 41 }),
        fc.integer({ min: 0, max: 400 * 86_400_000 }),
        (ttlMs, restartedAt, elapsed) => {
          const step = Math.min(ttlMs / 10, 60_000);
          expect(restartsTtl(restartedAt + elapsed, ttlMs, restartedAt + ttlMs)).toBe(elapsed >= step);
        },
      ),
    );
  });

  it('an entry hit at t lives until at least t + ttl - the step', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 86_400_000 }),
        fc.array(fc.integer({ min: 0, max: 600_000 }), { maxLength: 20 }),
        (ttlMs, gaps) => {
          let now = 0;
          let expiresAt = ttlMs;
          for (const gap of gaps) {
            now += gap;
            if (now >= expiresAt) return;
            if (restartsTtl(now, ttlMs, expiresAt)) expiresAt = now + ttlMs;
            expect(expiresAt).toBeGreaterThanOrEqual(now + ttlMs - Math.min(ttlMs / 10, 60_000));
          }
        },
      ),
    );
  });
});

describe('InMemorySemanticCache TTL restart on hit', () => {
  it('leaves the TTL of an entry restarted moments ago, restarts it a tenth of the TTL later', async () => {
    const clock = new ManualClock();
    const cache = new InMemorySemanticCache({ clock, ttlMs: 1_000 });
    await cache.store(ask('q'), { content: 'a' });
    clock.advance(99);
    expect((await cache.lookup(ask('q'))).hit).toBe(true);
    // Not restarted: the store's expiry (1,000) stands.
    clock.advance(901);
    expect((await cache.lookup(ask('q'))).hit).toBe(false);

    await cache.store(ask('r'), { content: 'b' });
    clock.advance(100);
    expect((await cache.lookup(ask('r'))).hit).toBe(true);
    // Restarted 100 ms after its store: it lives a full TTL from then.
    clock.advance(999);
    expect((await cache.lookup(ask('r'))).hit).toBe(true);
  });
});
