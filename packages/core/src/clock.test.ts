import { describe, expect, it } from 'vitest';
import { InMemoryCircuitBreaker } from './circuit-breaker/in-memory-circuit-breaker.js';
import { clockSchema, ManualClock, systemClock, type Clock } from './clock.js';
import { InvalidOptionsError } from './errors.js';
import { InMemoryRateLimiter } from './rate-limiter/in-memory-rate-limiter.js';
import { CachingEmbedder } from './semantic-cache/caching-embedder.js';
import { LocalNgramEmbedder } from './semantic-cache/local-ngram-embedder.js';
import { InMemoryTokenStream } from './token-stream/in-memory-token-stream.js';

// Not a Clock: `now` is a number, not a method.
const notAClock = { now: 1 } as unknown as Clock;

describe('clockSchema', () => {
  it('takes anything with a now() method', () => {
    expect(clockSchema.safeParse(systemClock).success).toBe(true);
    expect(clockSchema.safeParse(new ManualClock()).success).toBe(true);
    expect(clockSchema.safeParse({ now: () => 0 }).success).toBe(true);
  });

  it('refuses values without one', () => {
    for (const value of [undefined, null, 0, 'now', {}, { now: 1 }])
      expect(clockSchema.safeParse(value).success, String(value)).toBe(false);
  });

  it.each([
    [
      'InMemoryRateLimiter',
      () =>
        new InMemoryRateLimiter({
          limits: [
            { name: 'minute', algorithm: 'fixed-window', anchor: 'first-hit', limit: 1, windowMs: 60_000 },
          ],
          clock: notAClock,
        }),
    ],
    ['InMemoryCircuitBreaker', () => new InMemoryCircuitBreaker({ clock: notAClock })],
    ['InMemoryTokenStream', () => new InMemoryTokenStream({ clock: notAClock })],
    ['CachingEmbedder', () => new CachingEmbedder(new LocalNgramEmbedder(), { clock: notAClock })],
  ])('%s refuses a clock without now() with InvalidOptionsError naming the option', (_name, create) => {
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(/clock/);
  });
});
