import type { SemanticCacheRequest } from '@tristack/core';
import { RedisSemanticCache, type RedisClientInput } from '@tristack/redis';

/**
 * A semantic cache in front of any completion call. Exact repeats hit on every server; paraphrases
 * hit where the server has Vector Sets (Redis 8) or the search module.
 */
export async function cachedCompletion(
  client: RedisClientInput,
  complete: (question: string) => Promise<string>,
) {
  const cache = await RedisSemanticCache.create({ client, similarityThreshold: 0.9 });
  return async (tenant: string, question: string) => {
    const request: SemanticCacheRequest = {
      tenant,
      model: 'my-model',
      messages: [{ role: 'user', content: question }],
    };
    const hit = await cache.lookup(request);
    if (hit.hit) return { answer: String(hit.response.content), cached: true, kind: hit.kind };
    const answer = await complete(question);
    await cache.store(request, { content: answer, usage: { inputTokens: 12, outputTokens: 40 } });
    return { answer, cached: false, kind: undefined };
  };
}
