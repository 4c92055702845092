import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { useRedis } from '@tristack/testing/redis';
import { RedisCircuitBreaker } from './redis-circuit-breaker.js';

const redis = useRedis();

/** The names of the server's client connections (CLIENT LIST). */
async function connectionNames(): Promise<string[]> {
  const list = await redis.client.sendCommand(['CLIENT', 'LIST']);
  return String(list)
    .split('\n')
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '');
}

/** A subscriber source whose duplicate carries a name we can look for on the server. */
function namedSource(name: string) {
  return { isOpen: true, duplicate: () => redis.client.duplicate({ name }) };
}

describe('RedisCircuitBreaker subscriber connection', () => {
  // node-redis opens the socket of a connect() in flight even after close(): closing the breaker before its
  // subscriber connected must still leave no connection behind (a live socket keeps the process from exiting).
  it.each([0, 1, 5, 20])(
    'close() %i ms after construction leaves no subscriber connection open',
    async (delayMs) => {
      const name = `sub-${redis.prefix}-${delayMs}`;
      const breaker = new RedisCircuitBreaker({
        client: redis.client,
        prefix: redis.prefix,
        subscriber: namedSource(name),
      });
      if (delayMs > 0) await sleep(delayMs);
      await breaker.close();
      await sleep(200); // time for a leaked connect to finish its handshake
      expect(await connectionNames()).not.toContain(name);
    },
  );

  it('close() after the subscription is live closes the connection', async () => {
    const name = `sub-${redis.prefix}-live`;
    const breaker = new RedisCircuitBreaker({
      client: redis.client,
      prefix: redis.prefix,
      subscriber: namedSource(name),
    });
    expect(await breaker.subscribed()).toBe(true);
    expect(await connectionNames()).toContain(name);
    await breaker.close();
    // The server drops a closed connection from CLIENT LIST when it reads the close, a moment after
    // close() resolves on the client: wait for that, within a bound a leaked connection would exceed.
    await vi.waitFor(async () => expect(await connectionNames()).not.toContain(name), {
      timeout: 2000,
      interval: 20,
    });
  });
});
