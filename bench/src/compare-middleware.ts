import { setTimeout as sleep } from 'node:timers/promises';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import type { RedisConnection } from '@tristack/core/driver-kit';
import { productionMiddleware, type ProductionMiddlewareOptions } from '@tristack/langchain';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisConversationMemory,
  RedisRateLimiter,
  RedisSemanticCache,
  toRedisConnection,
} from '@tristack/redis';
import { createAgent, createMiddleware } from 'langchain';
import type { RedisClientType } from 'redis';
import { atMost, type CompareGroup, type Pair, type ResultLine, type Side } from './compare-runner.js';

/**
 * Counts, from the client, the commands the drivers send and the sequential round trips they
 * cost: a command sent while none of the turn's commands is in flight starts a new round trip;
 * commands sent while one is (a pipeline, concurrent writes) share it.
 */
class RoundTripCounter {
  private inFlight = 0;
  waves = 0;
  commands = 0;
  readonly byPart = new Map<string, number>();
  /** Round trips when the model was last called. */
  wavesAtModelCall = 0;

  connection(client: RedisClientType, part: string): RedisConnection {
    const base = toRedisConnection(client);
    return {
      sendCommand: async (args, options) => {
        if (this.inFlight === 0) this.waves += 1;
        this.inFlight += 1;
        this.commands += 1;
        this.byPart.set(part, (this.byPart.get(part) ?? 0) + 1);
        try {
          return await base.sendCommand(args, options);
        } finally {
          this.inFlight -= 1;
        }
      },
    };
  }
}

/** A provider that answers instantly: what is left is the agent loop and the middleware. */
export class InstantModel extends BaseChatModel {
  constructor(private readonly onCall: () => void = () => {}) {
    super({});
  }
  _llmType() {
    return 'instant';
  }
  // The benchmarked agent has no tools: binding is a no-op.
  override bindTools() {
    return this as never;
  }
  async _generate(): Promise<ChatResult> {
    this.onCall();
    const message = new AIMessage({
      content: 'ok',
      usage_metadata: { input_tokens: 10, output_tokens: 1, total_tokens: 11 },
    });
    return { generations: [{ text: 'ok', message }] };
  }
}

const LIMITS = {
  limits: [{ name: 'rpm', algorithm: 'sliding-window' as const, limit: 1_000_000_000, windowMs: 60_000 }],
};

export type Part = 'audit' | 'memory' | 'cache' | 'limiter' | 'breaker';
export const PARTS: readonly Part[] = ['audit', 'memory', 'cache', 'limiter', 'breaker'];

/** productionMiddleware options with the Redis drivers of `parts`, each on `connect(part)`. */
export async function stackOptions(
  parts: readonly Part[],
  connect: (part: Part) => RedisClientType | RedisConnection,
  prefix = 'bench',
): Promise<ProductionMiddlewareOptions> {
  const options: ProductionMiddlewareOptions = {};
  const base = (part: Part) => ({ client: connect(part), prefix });
  if (parts.includes('audit')) options.auditLog = new RedisAuditLog(base('audit'));
  if (parts.includes('memory')) options.memory = new RedisConversationMemory(base('memory'));
  if (parts.includes('cache')) options.cache = await RedisSemanticCache.create(base('cache'));
  if (parts.includes('limiter')) options.limiter = new RedisRateLimiter({ ...base('limiter'), ...LIMITS });
  if (parts.includes('breaker')) options.breaker = new RedisCircuitBreaker(base('breaker'));
  return options;
}

type Agent = ReturnType<typeof createAgent>;

/** One turn: a new question (a cache miss, then stored), on one of 100 conversations. */
export const invoke = (agent: Agent, index: number) =>
  agent.invoke(
    { messages: [new HumanMessage(`question number ${index}`)] },
    { context: { tenantId: `tenant-${index % 16}`, userId: `user-${index % 100}`, conversationId: 'c' } },
  );

async function commandCalls(client: RedisClientType): Promise<number> {
  let total = 0;
  for (const match of (await client.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (match[1] !== 'info') total += Number(match[2]);
  return total;
}

interface TurnCount {
  label: string;
  serverCommands: number;
  clientCommands: number;
  before: number;
  after: number;
  background: number;
  byPart: Map<string, number>;
}

/**
 * Runs `turns` turns one at a time on an agent whose drivers send through a counter, and returns
 * per turn: server commands (INFO commandstats), commands sent, sequential round trips before the
 * model call, after it until `invoke` returns, and after `invoke` returned (unawaited writes).
 */
async function countTurns(
  client: RedisClientType,
  label: string,
  parts: readonly Part[],
  options: Omit<ProductionMiddlewareOptions, Part>,
  turns: number,
  offset: number,
): Promise<TurnCount> {
  const counter = new RoundTripCounter();
  const model = new InstantModel(() => (counter.wavesAtModelCall = counter.waves));
  const stack = await stackOptions(parts, (part) => counter.connection(client, part));
  const agent = createAgent({ model, middleware: productionMiddleware({ ...stack, ...options }) });
  // Warm-up: scripts loaded, keys created.
  for (let index = 0; index < 5; index++) await invoke(agent, offset + index);
  await sleep(50);
  const firstCommands = counter.commands;
  const firstParts = new Map(counter.byPart);
  const startCalls = await commandCalls(client);
  let before = 0;
  let after = 0;
  let background = 0;
  for (let turn = 0; turn < turns; turn++) {
    const start = counter.waves;
    await invoke(agent, offset + 10 + turn);
    const returned = counter.waves;
    // Let unawaited writes land before the next turn, so they count as this turn's.
    await sleep(15);
    before += counter.wavesAtModelCall - start;
    after += returned - counter.wavesAtModelCall;
    background += counter.waves - returned;
  }
  const serverCommands = (await commandCalls(client)) - startCalls;
  const byPart = new Map<string, number>();
  for (const [part, count] of counter.byPart) byPart.set(part, (count - (firstParts.get(part) ?? 0)) / turns);
  await (stack.breaker as RedisCircuitBreaker | undefined)?.close();
  return {
    label,
    serverCommands: serverCommands / turns,
    clientCommands: (counter.commands - firstCommands) / turns,
    before: before / turns,
    after: after / turns,
    background: background / turns,
    byPart,
  };
}

/**
 * `createAgent` + `productionMiddleware` with the Redis drivers (Redis 7) around an instant fake
 * model, against the same agent without the middleware, one turn in flight: p50 added per model
 * call, in total and per middleware; then the commands an agent turn costs, per middleware and
 * in total, and its sequential round trips before and after the model call.
 */
export const middlewareGroup: CompareGroup = {
  name: 'agent middleware',
  async setup(env) {
    const { client } = env.context;
    await client.flushDb();
    const bareAgent = createAgent({ model: new InstantModel() });
    const bare: Side = { name: 'createAgent, no middleware', run: (index) => invoke(bareAgent, index) };
    const breakers: { close(): Promise<void> }[] = [];
    const agentWith = async (parts: readonly Part[], options: Omit<ProductionMiddlewareOptions, Part>) => {
      const stack = await stackOptions(parts, () => client);
      if (stack.breaker) breakers.push(stack.breaker as RedisCircuitBreaker);
      return createAgent({
        model: new InstantModel(),
        middleware: productionMiddleware({ ...stack, ...options }),
      });
    };
    const full = await agentWith(PARTS, {});
    const solo = { retry: false, telemetry: false } as const;
    const pairs: Pair[] = [
      {
        id: 'middleware-c1',
        ours: { name: 'createAgent + productionMiddleware (Redis)', run: (index) => invoke(full, index) },
        peer: bare,
        concurrency: 1,
        operations: env.count(400),
        warmup: env.count(50),
        server: client,
      },
    ];
    for (const part of PARTS) {
      const agent = await agentWith([part], solo);
      pairs.push({
        id: `middleware-${part}-c1`,
        ours: {
          name: `createAgent + ${part} middleware alone`,
          run: (index) => invoke(agent, 1_000_000 + index),
        },
        peer: bare,
        concurrency: 1,
        operations: env.count(200),
        warmup: env.count(30),
        server: client,
      });
    }
    const retryAgent = await agentWith([], { telemetry: false });
    pairs.push({
      id: 'middleware-retry-c1',
      ours: { name: 'createAgent + retry middleware alone', run: (index) => invoke(retryAgent, index) },
      peer: bare,
      concurrency: 1,
      operations: env.count(200),
      warmup: env.count(30),
      server: client,
    });
    // What LangGraph charges for the two graph nodes productionMiddleware adds (its start and end
    // hooks), with nothing in them: the part of the added time no middleware code can remove.
    const emptyHooks = createAgent({
      model: new InstantModel(),
      middleware: [
        createMiddleware({
          name: 'EmptyLifecycleHooks',
          beforeAgent: () => undefined,
          afterAgent: () => undefined,
        }),
      ],
    });
    pairs.push({
      id: 'middleware-empty-hooks-c1',
      ours: {
        name: 'createAgent + one empty start hook and one empty end hook',
        run: (index) => invoke(emptyHooks, index),
      },
      peer: bare,
      concurrency: 1,
      operations: env.count(200),
      warmup: env.count(30),
      server: client,
    });
    const turns = env.count(40);
    return {
      pairs,
      rows: [
        { title: '`createAgent` + `productionMiddleware` (Redis 7), 1 in flight: p50 added per model call', pair: 'middleware-c1', metric: 'p50-added', goal: atMost(1, ' ms') },
        { title: '`productionMiddleware`: server commands per model call', pair: 'middleware-c1', metric: 'commands', goal: atMost(15, '') },
        ...[...PARTS, 'retry' as const].map((part) => ({
          title: `${part} middleware alone: p50 added per model call`,
          pair: `middleware-${part}-c1`,
          metric: 'p50-added' as const,
          note: 'per-middleware breakdown (no goal of its own)',
        })),
        { title: 'LangGraph floor: one empty start hook + one empty end hook (the two nodes productionMiddleware adds): p50 added', pair: 'middleware-empty-hooks-c1', metric: 'p50-added', note: 'what any createAgent start/end hook costs, no Redis, no code in it (no goal)' },
      ], // prettier-ignore
      after: async () => {
        const counts: TurnCount[] = [];
        for (const part of PARTS)
          counts.push(await countTurns(client, `${part} alone`, [part], solo, turns, 2_000_000));
        counts.push(await countTurns(client, 'full productionMiddleware', PARTS, {}, turns, 3_000_000));
        const total = counts.at(-1)!;
        const number = (value: number) => Number(value.toFixed(2)).toString();
        const table = [
          '### Commands per agent turn (one model call), Redis drivers',
          '',
          `Counted over ${turns} turns one at a time after 5 warm-up turns. Server commands are \`INFO commandstats\` deltas`,
          '(a script’s inner commands count too); commands sent and sequential round trips are counted on the',
          'client: a command sent while none of the turn’s commands is in flight starts a round trip. "Background"',
          'is what the middleware sends after `invoke()` returned (writes not awaited).',
          '',
          '| middleware | server commands / turn | commands sent / turn | round trips before the model call | after it, until `invoke()` returns | background |',
          '| --- | ---: | ---: | ---: | ---: | ---: |',
          ...counts.map(
            (count) =>
              `| ${count.label} | ${number(count.serverCommands)} | ${number(count.clientCommands)} | ${number(count.before)} | ${number(count.after)} | ${number(count.background)} |`,
          ),
          '',
          `Commands sent per turn by each driver in the full stack: ${[...total.byPart]
            .map(([part, count]) => `${part} ${number(count)}`)
            .join(', ')}.`,
        ];
        const lines: ResultLine[] = [
          {
            title: '`productionMiddleware`: sequential round trips before the model call',
            ours: `${number(total.before)} (${number(total.clientCommands)} commands sent per turn)`,
            peer: 'no middleware: 0',
            value: number(total.before),
            runs: `counted over ${turns} turns`,
            goal: '≤ 2',
            verdict: total.before <= 2 ? 'met' : 'not met',
          },
          {
            title:
              '`productionMiddleware`: sequential round trips after the model call (awaited + background)',
            ours: `${number(total.after)} awaited + ${number(total.background)} background`,
            peer: 'no middleware: 0',
            value: number(total.after + total.background),
            runs: `counted over ${turns} turns`,
            goal: '≤ 1',
            verdict: total.after + total.background <= 1 ? 'met' : 'not met',
          },
        ];
        return { lines, markdown: [table.join('\n')] };
      },
      cleanup: async () => {
        await Promise.all(breakers.map((breaker) => breaker.close()));
        await client.flushDb();
      },
    };
  },
};
