import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  Annotation,
  END,
  MemorySaver,
  START,
  StateGraph,
  emptyCheckpoint,
  type BaseCheckpointSaver,
  type Checkpoint,
} from '@langchain/langgraph';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { RedisSaver } from '@langchain/langgraph-checkpoint-redis';
import { RedisCheckpointSaver } from '@tristack/langgraph-redis';
import type { RedisClientType } from 'redis';
import type { Benchmark } from '../benchmark.js';
import type { Case } from '../runner.js';

/** Threads pre-filled for getTuple/list, and checkpoints per thread. */
const THREADS = 100;
const CHECKPOINTS_PER_THREAD = 20;
const GRAPH_STEPS = 20;
const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

interface Saver {
  name: string;
  saver: BaseCheckpointSaver;
  close(): Promise<void>;
}

/** Sortable ids in UUID shape (uuid6 sorts by time; a counter sorts the same way for every saver). */
let idCounter = 0;
function checkpointId(): string {
  const hex = (Date.now() * 1000 + (idCounter++ % 1000)).toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-6${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** A checkpoint like a chat agent's: a 1 kB `messages` channel (changed) and a `step` counter. */
function checkpoint(step: number): Checkpoint {
  const base = emptyCheckpoint();
  return {
    ...base,
    id: checkpointId(),
    channel_values: { messages: `${'x'.repeat(1000)}-${step}`, step },
    channel_versions: { messages: step + 1, step: step + 1 },
  };
}

async function putOne(saver: BaseCheckpointSaver, threadId: string, step: number): Promise<void> {
  const value = checkpoint(step);
  await saver.put(
    { configurable: { thread_id: threadId, checkpoint_ns: '' } },
    value,
    { source: 'loop', step, parents: {} },
    { messages: step + 1, step: step + 1 },
  );
}

async function drain(iterator: AsyncGenerator<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of iterator) count++;
  return count;
}

async function pool(count: number, concurrency: number, task: (index: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** A node that loops GRAPH_STEPS times (a super-step, hence a checkpoint, per step). */
function loopGraph(checkpointer: BaseCheckpointSaver | undefined) {
  const State = Annotation.Root({
    count: Annotation<number>({ reducer: (left, right) => left + right, default: () => 0 }),
    log: Annotation<string>(),
  });
  return new StateGraph(State)
    .addNode('step', (state) => ({ count: 1, log: `step ${state.count}` }))
    .addEdge(START, 'step')
    .addConditionalEdges('step', (state) => (state.count >= GRAPH_STEPS ? END : 'step'))
    .compile({ checkpointer });
}

/** Why the official Redis saver cannot run on this server, or undefined when it can. */
async function officialSaverBlocker(client: RedisClientType): Promise<string | undefined> {
  let names: string[];
  try {
    const modules = (await client.sendCommand(['MODULE', 'LIST'])) as unknown[][];
    names = modules.map((module) => String(module[1] ?? '').toLowerCase());
  } catch (error) {
    return `MODULE LIST failed (${(error as Error).message})`;
  }
  const missing = [
    ['RedisJSON', ['rejson', 'redisjson']],
    ['RediSearch', ['search', 'ft', 'redisearch']],
  ]
    .filter(([, aliases]) => !(aliases as string[]).some((alias) => names.includes(alias)))
    .map(([label]) => label);
  return missing.length
    ? `the bench server's MODULE LIST is [${names.join(', ')}]: ${missing.join(' and ')} missing (it needs both)`
    : undefined;
}

/** Resolves with an error message when nothing accepts TCP connections at `url` within 3 s. */
function probe(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 5432), timeout: 3000 });
    socket.once('connect', () => (socket.destroy(), resolve(undefined)));
    socket.once('timeout', () => (socket.destroy(), resolve('timed out')));
    socket.once('error', (error) => resolve(error.message));
  });
}

async function postgresSaver(): Promise<Saver | string> {
  const unreachable = await probe(PG_URL);
  if (unreachable) return `no PostgreSQL at ${PG_URL} (${unreachable})`;
  const schema = `tristack_bench_${process.pid}`;
  const saver = PostgresSaver.fromConnString(PG_URL, { schema });
  try {
    await saver.setup();
  } catch (error) {
    await saver.end().catch(() => {});
    return `no PostgreSQL at ${PG_URL} (${(error as Error).message})`;
  }
  return {
    name: 'langgraph-checkpoint-postgres',
    saver,
    close: async () => {
      // The saver owns its pg pool (private); drop the run's schema through it before ending it.
      const { pool } = saver as unknown as { pool: { query(sql: string): Promise<unknown> } };
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await saver.end();
    },
  };
}

/** Per-case p50 of the measured calls (indexes ≥ warmup), to print savers as ratios of each other. */
function recorder(warmup: number) {
  const latencies = new Map<string, number[]>();
  const wrap = (name: string, run: (index: number) => Promise<unknown>): Case => {
    const list: number[] = [];
    latencies.set(name, list);
    return {
      name,
      run: async (index) => {
        const start = performance.now();
        await run(index);
        if (index >= warmup) list.push(performance.now() - start);
      },
    };
  };
  const p50 = (name: string) => {
    const sorted = [...(latencies.get(name) ?? [])].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  return { wrap, p50 };
}

/**
 * LangGraph checkpointers side by side: `put`, `getTuple` (latest of a thread with 20 checkpoints)
 * and `list` (20 checkpoints) on our RedisCheckpointSaver, MemorySaver, the official Postgres saver
 * (local PostgreSQL, `PG_URL`) and the official Redis saver where the server has RedisJSON and
 * RediSearch; plus a 20-step graph run's checkpoint overhead against the same graph without a
 * checkpointer.
 */
export const langgraphCheckpoint: Benchmark = {
  name: 'langgraph-checkpoint',
  description:
    'LangGraph checkpointers: put / getTuple / list, RedisCheckpointSaver vs MemorySaver, Postgres, official Redis',
  async setup(context) {
    const { options } = context;
    const smoke = options.operations <= 100;
    const savers: Saver[] = [
      {
        name: 'tristack RedisCheckpointSaver',
        saver: new RedisCheckpointSaver({ client: context.client, prefix: 'benchlg' }),
        close: async () => {},
      },
      { name: 'MemorySaver', saver: new MemorySaver(), close: async () => {} },
    ];
    const postgres = await postgresSaver();
    if (typeof postgres === 'string') console.log(`langgraph-checkpoint-postgres NOT RUN: ${postgres}`);
    else savers.push(postgres);
    const blocker = await officialSaverBlocker(context.client);
    if (blocker) console.log(`@langchain/langgraph-checkpoint-redis NOT RUN: it cannot run here: ${blocker}`);
    else {
      const client = await context.newClient();
      // Its types pin another node-redis major; the client is wire-compatible.
      const saver = new RedisSaver(client as unknown as ConstructorParameters<typeof RedisSaver>[0]);
      await (saver as unknown as { ensureIndexes(): Promise<void> }).ensureIndexes();
      savers.push({ name: 'langgraph-checkpoint-redis (official)', saver, close: async () => {} });
    }

    // Fill THREADS threads with CHECKPOINTS_PER_THREAD checkpoints each, for getTuple and list.
    for (const { saver } of savers)
      await pool(THREADS, 16, async (thread) => {
        for (let step = 0; step < CHECKPOINTS_PER_THREAD; step++) await putOne(saver, `read-${thread}`, step);
      });

    const { wrap, p50 } = recorder(options.warmup);
    const cases: Case[] = [];
    for (const { name, saver } of savers) {
      // put: a new checkpoint on one of 1,000 threads (each thread grows like a conversation).
      cases.push(wrap(`${name} put`, (index) => putOne(saver, `write-${index % 1000}`, index)));
    }
    for (const { name, saver } of savers)
      cases.push(
        wrap(`${name} getTuple (latest)`, async (index) => {
          const tuple = await saver.getTuple({ configurable: { thread_id: `read-${index % THREADS}` } });
          if (!tuple) throw new Error(`${name}: getTuple found nothing`);
        }),
      );
    for (const { name, saver } of savers)
      cases.push(
        wrap(`${name} list (${CHECKPOINTS_PER_THREAD})`, async (index) => {
          const count = await drain(
            saver.list({ configurable: { thread_id: `read-${index % THREADS}`, checkpoint_ns: '' } }),
          );
          if (count !== CHECKPOINTS_PER_THREAD) throw new Error(`${name}: list returned ${count}`);
        }),
      );

    // A 20-step graph run per saver, one at a time: the graph itself is CPU-bound, so runs in
    // parallel would measure CPU contention; sequential runs show each saver's added latency.
    const runs = smoke ? 4 : 100;
    const graphRows: { name: string; p50: number; p99: number }[] = [];
    const graphs = [{ name: 'no checkpointer', saver: undefined }, ...savers].map((entry) => {
      const graph = loopGraph(entry.saver);
      return {
        name: entry.name,
        run: async (index: number) => {
          const start = performance.now();
          const result = await graph.invoke({ count: 0 }, { configurable: { thread_id: `graph-${index}` } });
          if (result.count !== GRAPH_STEPS) throw new Error(`${entry.name}: graph counted ${result.count}`);
          return performance.now() - start;
        },
      };
    });
    // Warm every graph (JIT, connections) before timing any, so the first row is not penalised.
    for (const { run } of graphs) await pool(smoke ? 2 : 40, 4, run);
    for (const { name, run } of graphs) {
      const latencies: number[] = [];
      await pool(runs, 1, async (index) => latencies.push(await run(1000 + index)));
      latencies.sort((a, b) => a - b);
      graphRows.push({
        name,
        p50: latencies[Math.floor(latencies.length / 2)]!,
        p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!,
      });
    }
    const baseline = graphRows[0]!;
    console.log(
      `\n## ${GRAPH_STEPS}-step graph run, ${runs} runs one at a time (checkpoint overhead = p50 − p50 without a checkpointer)`,
    );
    console.log(
      `${'checkpointer'.padEnd(40)}  ${'p50 ms'.padStart(8)}  ${'p99 ms'.padStart(8)}  ${'overhead ms'.padStart(12)}`,
    );
    for (const row of graphRows)
      console.log(
        `${row.name.padEnd(40)}  ${row.p50.toFixed(2).padStart(8)}  ${row.p99.toFixed(2).padStart(8)}  ${(row.p50 - baseline.p50).toFixed(2).padStart(12)}`,
      );

    return {
      cases,
      cleanup: async () => {
        const ours = savers[0]!.name;
        console.log(`\n## p50 latency of each saver / ${ours} (below 1: faster than ours)`);
        for (const operation of ['put', 'getTuple (latest)', `list (${CHECKPOINTS_PER_THREAD})`])
          console.log(
            `${operation.padEnd(18)} ` +
              savers
                .slice(1)
                .map(
                  ({ name }) =>
                    `${name}: ${(p50(`${name} ${operation}`) / p50(`${ours} ${operation}`)).toFixed(2)}x`,
                )
                .join(', '),
          );
        const ourGraph = graphRows[1]!.p50 - baseline.p50;
        console.log(
          `graph overhead     ` +
            graphRows
              .slice(2)
              .map((row) => `${row.name}: ${((row.p50 - baseline.p50) / ourGraph).toFixed(2)}x`)
              .join(', '),
        );
        for (const { close } of savers) await close();
        await context.client.flushDb();
      },
    };
  },
};
