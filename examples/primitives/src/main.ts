import { createClient } from 'redis';
import { spawnRedisServer } from '@tristack/testing/redis';
import { auditTrail } from './audit-trail.js';
import { cachedCompletion } from './cached-completion.js';
import { countVisit } from './count-visit.js';
import { rememberTurns } from './remember-turns.js';
import { resumableStream } from './resumable-stream.js';

// Uses REDIS_URL when set; otherwise starts a throwaway redis-server on a free loopback port.
const server = process.env['REDIS_URL']
  ? undefined
  : await spawnRedisServer(process.env['TRISTACK_REDIS_SERVER'] ?? 'redis-server');
const url = process.env['REDIS_URL'] ?? server!.url;
console.log(`Tristack primitives — Redis at ${url}${server ? ' (started for this run)' : ''}`);
const client = createClient({ url });
await client.connect();
try {
  console.log(
    'raw script: alice visit',
    await countVisit(client, 'alice'),
    '→',
    await countVisit(client, 'alice'),
  );
  const turn = rememberTurns(client, async (history) => `I remember ${history.length} messages`);
  console.log('memory + lease:', await turn('alice', 'c1', 'hi'), '/', await turn('alice', 'c1', 'again'));
  const ask = await cachedCompletion(client, async (question) => `(model) answer to ${question}`);
  await ask('acme', 'What is our refund policy?');
  console.log('semantic cache:', await ask('acme', 'What is our refund policy?'));
  const stream = resumableStream(client);
  await stream.produce(`answer-${Date.now()}`, ['Hel', 'lo']);
  const trail = auditTrail(client);
  await trail.toolCalled('alice', 'c1', 'Github.ListIssues', 'sk-live-1234567890abcdef');
  console.log('audit chain valid:', (await trail.verify()).valid);
  console.log('rate limiter, breaker, queue and stream: see src/*.ts and primitives.test.ts');
} finally {
  await client.close();
  await server?.stop();
}
