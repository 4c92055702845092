import { CircuitOpenError } from '@tristack/core';
import { RedisCircuitBreaker, type RedisClientInput } from '@tristack/redis';

/**
 * `fetch` behind a breaker the whole fleet shares: after 3 failures in a row every worker stops
 * calling the host for 10 s and answers from `fallback` instead.
 */
export function breakerFetch(
  client: RedisClientInput,
  fallback: (url: string, reason: 'circuit-open' | 'failed') => Response,
) {
  const breaker = new RedisCircuitBreaker({
    client,
    failureRateThreshold: null,
    consecutiveFailures: 3,
    openMs: 10_000,
  });
  const guarded = async (url: string, init?: RequestInit): Promise<Response> => {
    try {
      return await breaker.execute(`http:${new URL(url).host}`, async () => {
        const response = await fetch(url, init);
        if (response.status >= 500) throw new Error(`${url}: ${response.status}`); // counts as a failure
        return response;
      });
    } catch (error) {
      return fallback(url, error instanceof CircuitOpenError ? 'circuit-open' : 'failed');
    }
  };
  return { fetch: guarded, breaker };
}
