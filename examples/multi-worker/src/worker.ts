import { serve } from '@hono/node-server';
import { createClient } from 'redis';
import { createChatApp } from './app.js';
import { sessionSecretFromEnv } from './session.js';

// One worker process: `REDIS_URL=… SESSION_SECRET=… PORT=0 WORKER_ID=w1 tsx src/worker.ts`. Run as
// many as you like; they must share SESSION_SECRET to accept each other's session tokens.
const sessionSecret = sessionSecretFromEnv();
const client = createClient({ url: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
await client.connect();
const workerId = process.env['WORKER_ID'] ?? `worker-${process.pid}`;
const { app, close } = createChatApp({ client, workerId, sessionSecret });
const server = serve(
  { fetch: app.fetch, port: Number(process.env['PORT'] ?? 3000), hostname: '127.0.0.1' },
  (info) => console.log(`${workerId} listening on http://127.0.0.1:${info.port}`),
);
const stop = async () => {
  server.close();
  await close();
  await client.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
