import pg from 'pg';
import { createClient } from 'redis';
import { cacheEmbedder } from './cache-embedder.js';
import { type AgentDrivers, inMemoryDrivers, postgresDrivers, redisDrivers } from './drivers.js';
import { runInteractiveChat } from './interactive-chat.js';
import { realModelsFromEnvironment } from './real-models.js';
import { runScriptedDemo } from './scripted-demo.js';

// `pnpm demo`: the scripted run. `pnpm demo --chat`: talk to the agent (real models with keys).
const chat = process.argv.includes('--chat');
const env = process.env;
// REDIS_URL wins when both are set; DATABASE_URL runs the same agent on the PostgreSQL drivers.
const client = env['REDIS_URL'] ? createClient({ url: env['REDIS_URL'] }) : undefined;
await client?.connect();
const pool =
  !client && env['DATABASE_URL'] ? new pg.Pool({ connectionString: env['DATABASE_URL'] }) : undefined;
const drivers: AgentDrivers = client
  ? await redisDrivers(client)
  : pool
    ? await postgresDrivers(pool)
    : inMemoryDrivers();
const stateUrl = client ? env['REDIS_URL'] : pool ? maskPassword(env['DATABASE_URL']!) : undefined;
const models = realModelsFromEnvironment(env);
// Loaded up front, so the first cached question does not wait for it (and the banner says how long it took).
const loadStarted = performance.now();
await cacheEmbedder().load();
const loadMs = Math.round(performance.now() - loadStarted);

console.log('Tristack support agent — orchestration, tool use and state in one run');
console.log('  agent:  LangChain createAgent + Tristack productionMiddleware, tools via toLangChainTools');
console.log(`  state:  ${drivers.description}${stateUrl ? ` at ${stateUrl}` : ''}`);
console.log(
  `  cache:  semantic tier embeds with ${cacheEmbedder().id}, offline (model loaded in ${loadMs} ms)`,
);
console.log(
  `  model:  ${chat && models.length > 0 ? models.map((model) => model.model).join(' → ') + ' (fallback order: MODEL_FALLBACK_ORDER)' : 'scripted tool-calling model (set OPENAI_API_KEY or ANTHROPIC_API_KEY and use --chat)'}`,
);
console.log(
  `  tools:  ${env['ARCADE_API_KEY'] && chat ? 'Arcade (ARCADE_API_KEY)' : 'fake Arcade server started in this process (set ARCADE_API_KEY and use --chat)'}`,
);
try {
  if (chat) await runInteractiveChat({ drivers, models, arcadeApiKey: env['ARCADE_API_KEY'] });
  else await runScriptedDemo({ drivers, out: (line) => console.log(line), color: process.stdout.isTTY });
} finally {
  await drivers.close();
  await client?.close();
  await pool?.end();
}

/** A connection string as the banner may print it. */
function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL';
  }
}
