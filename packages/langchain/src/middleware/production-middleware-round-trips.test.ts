import { setTimeout as sleep } from 'node:timers/promises';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import type { RedisArgument, RedisConnection } from '@tristack/core/driver-kit';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisConversationMemory,
  RedisRateLimiter,
  RedisSemanticCache,
} from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { createAgent } from 'langchain';
import { afterEach, describe, expect, it } from 'vitest';
import { productionMiddleware } from './production-middleware.js';

const redis = useRedis();
/** Far longer than the CPU work between two hooks, far shorter than any driver's timeout. */
const REPLY_DELAY_MS = 30;

interface Sent {
  driver: string;
  name: string;
  /** The script's SHA1 of an EVALSHA. */
  sha?: string;
  phase: string;
  trip: number;
}

/**
 * Connections that record each command with the driver that sent it and the round trip it
 * travels in. A round trip is the commands written before any reply came back: node-redis
 * pipelines what is sent meanwhile, so only a command sent after a reply (typically because it
 * waited for it) starts a new one.
 */
function roundTripRecorder(client: RedisConnection) {
  const commands: Sent[] = [];
  let phase = 'before';
  let replies = 0;
  let repliesAtTripStart = -1;
  let trip = 0;
  const connectionFor = (driver: string): RedisConnection => ({
    sendCommand(args: readonly RedisArgument[]) {
      if (replies !== repliesAtTripStart) {
        trip++;
        repliesAtTripStart = replies;
      }
      const name = String(args[0]).toUpperCase();
      commands.push({ driver, name, phase, trip, ...(name === 'EVALSHA' ? { sha: String(args[1]) } : {}) });
      // Each reply is held back a while, as on a slow network: a command sent meanwhile did not
      // wait for it, whatever the event loop did in between (graph steps, other hooks).
      return client.sendCommand(args).finally(async () => {
        await sleep(REPLY_DELAY_MS);
        replies++;
      });
    },
  });
  return {
    connectionFor,
    commands,
    /** Commands sent from now on count in `name` (the model call marks the boundary). */
    mark(name: string) {
      phase = name;
      // The next command cannot share a trip with one sent before the boundary.
      repliesAtTripStart = -1;
    },
    reset() {
      commands.length = 0;
      phase = 'before';
      repliesAtTripStart = -1;
    },
    tripsOf(name: string): number {
      return new Set(commands.filter((command) => command.phase === name).map((command) => command.trip))
        .size;
    },
  };
}

/**
 * The script calls on this worker's database while `run` ran, in the order Redis ran them, each
 * with the commands it ran, as MONITOR shows them (a script runs atomically, so its commands are
 * the `lua` lines right after its EVALSHA line).
 */
async function scriptCommandsBySha(
  run: () => Promise<unknown>,
): Promise<{ sha: string; commands: string[] }[]> {
  const monitor = redis.client.duplicate();
  await monitor.connect();
  const marker = `end-${redis.prefix}`;
  const lines: string[] = [];
  let markerSeen = () => {};
  const seen = new Promise<void>((resolve) => (markerSeen = resolve));
  try {
    await monitor.monitor((line) => {
      if (line.includes(marker)) markerSeen();
      else if (line.includes(`[${redis.database} `)) lines.push(line);
    });
    await run();
    await redis.client.sendCommand(['ECHO', marker]);
    await seen;
  } finally {
    monitor.destroy();
  }
  // Redis 7 feeds MONITOR a script call's EVALSHA line first, then its commands.
  const calls: { sha: string; commands: string[] }[] = [];
  for (const line of lines) {
    const [name, argument] = [...line.matchAll(/"([^"]*)"/g)].map((match) => match[1]!);
    if (line.includes(`[${redis.database} lua]`)) calls.at(-1)?.commands.push(name!.toUpperCase());
    else if (name!.toUpperCase() === 'EVALSHA') calls.push({ sha: argument!, commands: [] });
  }
  return calls;
}

type Recorder = ReturnType<typeof roundTripRecorder>;

/** Answers at once with usage (so the limiter reconciles), marking where the model call happens. */
class MarkingModel extends BaseChatModel {
  recorder?: Recorder;
  calls = 0;
  _llmType() {
    return 'marking';
  }
  override bindTools() {
    return this as never;
  }
  async _generate(): Promise<ChatResult> {
    this.calls++;
    this.recorder?.mark('after');
    const message = new AIMessage({
      content: `answer ${this.calls}`,
      usage_metadata: { input_tokens: 10, output_tokens: 1, total_tokens: 11 },
    });
    return { generations: [{ text: message.text, message }] };
  }
}

const breakers: RedisCircuitBreaker[] = [];
afterEach(async () => {
  await Promise.all(breakers.splice(0).map((breaker) => breaker.close()));
});

async function stack(limit = 1_000_000, { cache = true, auditOnError = 'throw' as 'throw' | 'ignore' } = {}) {
  const recorder = roundTripRecorder(redis.client as unknown as RedisConnection);
  const on = (driver: string) => ({ client: recorder.connectionFor(driver), prefix: redis.prefix });
  // Its snapshot read (at most every `maxStalenessMs`) and its batched success write (every
  // `flushIntervalMs`) run per process, not per call: kept out of the counted call here.
  const breaker = new RedisCircuitBreaker({
    ...on('breaker'),
    subscriber: redis.client,
    backendTimeoutMs: 5_000,
    maxStalenessMs: 60_000,
    flushIntervalMs: 60_000,
  });
  breakers.push(breaker);
  const model = new MarkingModel({});
  model.recorder = recorder;
  const auditLog = new RedisAuditLog(on('audit'));
  const memory = new RedisConversationMemory(on('memory'));
  const limiter = new RedisRateLimiter({
    ...on('limiter'),
    limits: [{ name: 'rpm', algorithm: 'sliding-window', limit, windowMs: 60_000 }],
  });
  const agent = createAgent({
    model,
    middleware: productionMiddleware({
      auditLog: { auditLog, onError: auditOnError },
      memory,
      // The exact tier only, so every server kind counts the same commands (Vector Sets add a VADD).
      ...(cache ? { cache: await RedisSemanticCache.create({ ...on('cache'), vectorBackend: 'none' }) } : {}),
      limiter,
      breaker,
    }),
  });
  const turn = (text: string, conversationId = 'c1') =>
    agent.invoke(
      { messages: [new HumanMessage(text)] },
      { context: { tenantId: 'acme', userId: 'ada', conversationId } },
    );
  return { recorder, model, turn, auditLog, memory, limiter };
}

/** Per phase and driver: the commands sent and, for script calls, the commands they ran. */
function tally(commands: Sent[], scripts: { sha: string; commands: string[] }[]) {
  const calls = [...scripts];
  const rows: Record<string, { sent: string[]; inScripts: string[] }> = {};
  for (const command of commands) {
    const row = (rows[`${command.phase} ${command.driver}`] ??= { sent: [], inScripts: [] });
    row.sent.push(command.name);
    if (!command.sha) continue;
    // Matched on the script: drivers on one connection may reach Redis in another order.
    const index = calls.findIndex((call) => call.sha === command.sha);
    expect(index, `script call ${command.driver} ${command.sha} seen by MONITOR`).toBeGreaterThanOrEqual(0);
    row.inScripts.push(...calls.splice(index, 1)[0]!.commands);
  }
  const counts = Object.fromEntries(
    Object.entries(rows).map(([name, row]) => [name, row.sent.length + row.inScripts.length]),
  );
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  return { rows, counts, total };
}

describe('productionMiddleware on Redis: round trips and commands per model call', () => {
  it('one model call (a miss, then stored): 3 round trips before it, 2 after', async () => {
    const { recorder, model, turn } = await stack();
    // Two warm-up turns: scripts loaded, the breaker's snapshot read, history in memory.
    await turn('first question');
    await turn('second question');
    recorder.reset();
    const scripts = await scriptCommandsBySha(() => turn('third question'));
    expect(model.calls).toBe(3);
    const { rows, counts, total } = tally(recorder.commands, scripts);
    console.log(
      `[round trips] before ${recorder.tripsOf('before')}, after ${recorder.tripsOf('after')}; ` +
        `Redis commands ${total}: ${JSON.stringify(counts)}`,
    );
    // Memory: the history and the ids the append must skip, together; then the cache lookup (its
    // key holds the history); then, on a miss only, the limiter's charge.
    expect(recorder.tripsOf('before')).toBe(3);
    expect(rows['before memory']!.sent).toEqual(['EVALSHA', 'LRANGE']);
    expect(rows['before cache']!.sent).toEqual(['EVALSHA']);
    expect(rows['before limiter']!.sent).toEqual(['EVALSHA']);
    const tripOf = (phase: string, driver: string) =>
      new Set(recorder.commands.filter((c) => c.phase === phase && c.driver === driver).map((c) => c.trip));
    const [memoryTrip] = tripOf('before', 'memory');
    const [cacheTrip] = tripOf('before', 'cache');
    const [limiterTrip] = tripOf('before', 'limiter');
    expect(memoryTrip! < cacheTrip! && cacheTrip! < limiterTrip!).toBe(true);
    // The reconcile, cache store and audit record together (the store and record awaited before
    // the call returns); then the memory append, once both succeeded.
    expect(recorder.tripsOf('after')).toBe(2);
    const [storeTrip] = tripOf('after', 'cache');
    expect([...tripOf('after', 'audit')]).toEqual([storeTrip]);
    expect([...tripOf('after', 'limiter')]).toEqual([storeTrip]);
    expect([...tripOf('after', 'memory')]).toEqual([storeTrip! + 1]);
    expect(recorder.commands).toHaveLength(8);
    // Server-side commands, scripts' included (cache lookup 5, store 15, audit record 11, memory
    // read 4, append 5, limiter charge 4, reconcile 3): a ceiling here. The charge runs 5 when it
    // opens a new bucket (6 s: 60 s in 10 segments) of the sliding window (its TTL moves: PEXPIRE),
    // which depends on the clock, not on the middleware.
    expect([4, 5]).toContain(counts['before limiter']);
    expect(total - counts['before limiter']!).toBeLessThanOrEqual(43);
  });

  it("audit onError 'ignore', no cache: the final record goes with memory's append (1 round trip after)", async () => {
    const { recorder, model, turn } = await stack(1_000_000, { cache: false, auditOnError: 'ignore' });
    await turn('first question');
    recorder.reset();
    await turn('second question');
    expect(model.calls).toBe(2);
    // Memory's read, then the limiter's charge; after the call, reconcile, record and append together.
    expect(recorder.tripsOf('before')).toBe(2);
    expect(recorder.tripsOf('after')).toBe(1);
    expect(
      recorder.commands
        .filter((command) => command.phase === 'after')
        .map((command) => command.driver)
        .sort(),
    ).toEqual(['audit', 'limiter', 'memory']);
  });

  it('a cache hit skips the model and never reaches the limiter', async () => {
    const { recorder, model, turn, limiter } = await stack(2);
    await turn('same question', 'c-a');
    recorder.reset();
    // Another conversation asking the same first question: the same request, a hit.
    const hit = await turn('same question', 'c-b');
    expect(model.calls).toBe(1);
    expect(hit.messages.at(-1)!.text).toBe('answer 1');
    expect(recorder.commands.filter((command) => command.driver === 'limiter')).toEqual([]);
    // Of 2 requests a minute, the miss used 1 and the hit none: one more call is admitted.
    const key = { default: 'tenant=acme' };
    await expect(limiter.limit(key)).resolves.toMatchObject({ allowed: true });
    await expect(limiter.limit(key)).resolves.toMatchObject({ allowed: false });
  });

  it('a denied charge prevents the model call', async () => {
    const { model, turn } = await stack(1);
    await turn('first question', 'c-a');
    const denied = await turn('other question', 'c-b');
    expect(model.calls).toBe(1);
    expect(denied.messages.at(-1)!.text).toMatch(/Rate limit reached/);
  });
});
