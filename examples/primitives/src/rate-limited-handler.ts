import { RedisRateLimiter, type RedisClientInput } from '@tristack/redis';

/** The request and response parts an Express (or Node http) handler uses. */
export interface HandlerRequest {
  headers: Record<string, string | undefined>;
}
export interface HandlerResponse {
  status(code: number): HandlerResponse;
  setHeader(name: string, value: string): unknown;
  json(body: unknown): unknown;
}

/** Wraps a chat handler with a per-user limit shared by every worker: 20 requests a minute. */
export function rateLimited(
  client: RedisClientInput,
  handler: (request: HandlerRequest, response: HandlerResponse) => Promise<void>,
) {
  const limiter = new RedisRateLimiter({
    client,
    name: 'chat-api',
    limits: [{ name: 'rpm', scope: 'user', algorithm: 'sliding-window', limit: 20, windowMs: 60_000 }],
  });
  return async (request: HandlerRequest, response: HandlerResponse) => {
    const user = request.headers['x-user-id'] ?? 'anonymous';
    const result = await limiter.limit({ user }); // one round trip; being limited is a result
    response.setHeader('RateLimit-Remaining', String(Math.floor(result.remaining)));
    if (!result.allowed) {
      response.setHeader('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)));
      response.status(429).json({ error: 'rate limited', retryAfterMs: result.retryAfterMs });
      return;
    }
    await handler(request, response);
  };
}
