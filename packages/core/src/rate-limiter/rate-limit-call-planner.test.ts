import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { InMemoryRateLimiter } from './in-memory-rate-limiter.js';

function throwingGetter(key: string): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  Object.defineProperty(value, key, {
    enumerable: true,
    get() {
      throw new RangeError('getter boom');
    },
  });
  return value;
}

function throwingProxy(): object {
  const fail = () => {
    throw new TypeError('proxy boom');
  };
  return new Proxy({}, { get: fail, ownKeys: fail, getPrototypeOf: fail, has: fail });
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/**
 * The planner's fast path reads keys and options by hand (no zod): whatever throws while it reads
 * must still reach the caller as an `InvalidInputError`, from `limit` and from `peek`.
 */
describe('rate limit call planner with inputs that throw while read', () => {
  const limiter = new InMemoryRateLimiter({
    limits: [{ name: 'window', algorithm: 'sliding-window', limit: 10, windowMs: 60_000, scope: 'user' }],
  });
  const hostile: [string, () => [unknown, unknown]][] = [
    ['key with a throwing getter', () => [throwingGetter('user'), undefined]],
    ['key as a throwing Proxy', () => [throwingProxy(), undefined]],
    ['key as a revoked Proxy', () => [revokedProxy(), undefined]],
    ['options with a throwing cost getter', () => [{ user: 'u' }, throwingGetter('cost')]],
    ['options as a throwing Proxy', () => [{ user: 'u' }, throwingProxy()]],
    ['cost as a throwing Proxy', () => [{ user: 'u' }, { cost: throwingProxy() }]],
    ['cost as a revoked Proxy', () => [{ user: 'u' }, { cost: revokedProxy() }]],
  ];

  for (const [name, make] of hostile)
    it(name, async () => {
      for (const call of ['limit', 'peek'] as const) {
        const [key, options] = make();
        const error = await limiter[call](key as never, options as never).catch((caught: unknown) => caught);
        expect(InvalidInputError.isInstance(error), `${call}: ${String(error)}`).toBe(true);
        expect((error as Error).cause).toBeInstanceOf(Error);
      }
      // Nothing was charged.
      expect((await limiter.peek({ user: 'u' })).rules[0]?.remaining).toBe(10);
    });
});
