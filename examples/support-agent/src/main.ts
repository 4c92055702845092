import { createClient } from 'redis';
import { type AgentDrivers, inMemoryDrivers, redisDrivers } from './drivers.js';
import { runInteractiveChat } from './interactive-chat.js';
import { realModelsFromEnvironment } from './real-models.js';
import { runScriptedDemo } from './scripted-demo.js';

// `pnpm demo`: the scripted run. `pnpm demo --chat`: talk to the agent (real models with keys).
const chat = process.argv.includes('--chat');
const env = process.env;
const client = env['REDIS_URL'] ? createClient({ url: env['REDIS_URL'] }) : undefined;
await client?.connect();
const drivers: AgentDrivers = client ? await redisDrivers(client) : inMemoryDrivers();
const models = realModelsFromEnvironment(env);

console.log('Tristack support agent — orchestration, tool use and state in one run');
console.log('  agent:  LangChain createAgent + Tristack productionMiddleware, tools via toLangChainTools');
console.log(`  state:  ${drivers.description}${client ? ` at ${env['REDIS_URL']}` : ''}`);
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
}
