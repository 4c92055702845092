import type { Embedder } from '@tristack/core';
import { RedisSemanticCache } from '@tristack/redis';
import { findServerSource, spawnRedisServer, type SpawnedServer } from '@tristack/testing/redis';
import { createClient, type RedisClientType } from 'redis';
import type { Benchmark } from '../benchmark.js';
import type { Case } from '../runner.js';

export const DIMENSIONS = 384;
/** Noise that puts each query at cosine ≈ 0.95 from its entry: a semantic hit at the default 0.9. */
const QUERY_NOISE = 0.33;

/** Deterministic pseudo-random numbers (mulberry32), so every run loads the same vectors. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export function unitVector(seed: number): Float32Array {
  const next = random(seed);
  const vector = new Float32Array(DIMENSIONS);
  let norm = 0;
  for (let index = 0; index < DIMENSIONS; index++) {
    vector[index] = next() * 2 - 1;
    norm += vector[index]! * vector[index]!;
  }
  norm = Math.sqrt(norm);
  for (let index = 0; index < DIMENSIONS; index++) vector[index]! /= norm;
  return vector;
}

/** Entry `index`'s vector plus fixed-size noise, renormalised. */
export function queryVector(entries: Float32Array, index: number): Float32Array {
  const noise = unitVector(1_000_000_007 + index);
  const query = new Float32Array(DIMENSIONS);
  let norm = 0;
  for (let dimension = 0; dimension < DIMENSIONS; dimension++) {
    query[dimension] = entries[index * DIMENSIONS + dimension]! + QUERY_NOISE * noise[dimension]!;
    norm += query[dimension]! * query[dimension]!;
  }
  norm = Math.sqrt(norm);
  for (let dimension = 0; dimension < DIMENSIONS; dimension++) query[dimension]! /= norm;
  return query;
}

/** Entry i's prompt. */
export const entryText = (index: number) => `cached question ${index}`;
/** A paraphrase of entry i that the near-miss guard accepts (same words and number, one filler). */
export const queryText = (index: number) => `cached question ${index} please`;

/**
 * A table "embedder" (no model in the measured path): `entryText(i)` is vector i, `queryText(i)` is
 * vector i plus noise (cosine ≈ 0.95). What is measured is the cache, its guard and the vector
 * search, not an embedding model.
 */
export class TableEmbedder implements Embedder {
  readonly id = `bench-table/${DIMENSIONS}`;
  readonly dimensions = DIMENSIONS;
  /** A table in this process: the cache embeds before the exact tier and looks both up in one round trip. */
  readonly local = true;
  constructor(private readonly entries: Float32Array) {}
  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => {
      const match = /question (\d+)( please)?$/.exec(text);
      const index = Number(match?.[1] ?? 0);
      return Array.from(
        match?.[2]
          ? queryVector(this.entries, index)
          : this.entries.subarray(index * DIMENSIONS, (index + 1) * DIMENSIONS),
      );
    });
  }
}

export const request = (tenant: string, text: string) => ({
  tenant,
  model: 'bench-model',
  messages: [{ role: 'user', content: text }],
});

/** The peer: a brute-force cosine scan over the same vectors in Node. Returns the best index. */
function bruteForceNearest(
  entries: Float32Array,
  count: number,
  query: Float32Array,
): { index: number; cosine: number } {
  let best = -1;
  let bestCosine = -Infinity;
  for (let entry = 0; entry < count; entry++) {
    let dot = 0;
    const offset = entry * DIMENSIONS;
    for (let dimension = 0; dimension < DIMENSIONS; dimension++)
      dot += entries[offset + dimension]! * query[dimension]!;
    if (dot > bestCosine) {
      bestCosine = dot;
      best = entry;
    }
  }
  return { index: best, cosine: bestCosine };
}

export async function pool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * Server time of each logged command that `pick` selects by its arguments, from the SLOWLOG of this
 * benchmark's own server (threshold 0 logs every command, those scripts run included, with its
 * execution time on the main thread).
 */
async function serverTimes(client: RedisClientType, pick: (args: string[]) => boolean): Promise<string> {
  const log = (await client.sendCommand(['SLOWLOG', 'GET', '-1'])) as unknown[][];
  const micros = log
    .filter((entry) => pick((entry[3] as unknown[]).map(String)))
    .map((entry) => Number(entry[2]))
    .sort((a, b) => a - b);
  const at = (p: number) => micros[Math.min(micros.length - 1, Math.ceil((p / 100) * micros.length) - 1)];
  return `${micros.length} calls, p50 ${at(50)} µs, p99 ${at(99)} µs`;
}

// Which script a logged EVALSHA was, by its keys: [EVALSHA, sha, numkeys, key1, key2, key3, key4, …].
const isEvalsha = (args: string[]) => args[0]?.toUpperCase() === 'EVALSHA';
const semanticScript = (args: string[]) => isEvalsha(args) && /:vectors:/.test(args[3] ?? '');
const exactScript = (args: string[]) =>
  isEvalsha(args) && /:entry:/.test(args[3] ?? '') && /:vectors:/.test(args[6] ?? '');
const confirmScript = (args: string[]) =>
  isEvalsha(args) && /:entry:/.test(args[3] ?? '') && (args[6] ?? '').endsWith(':scopes');
const vsim = (args: string[]) => args[0]?.toUpperCase() === 'VSIM';

/**
 * Semantic cache lookups at 10,000 and 100,000 cached entries (384 dimensions): the exact-hit path,
 * the semantic path (exact miss, embed, Vector Sets VSIM in one script), and the peer, a
 * brute-force cosine scan in Node over the same vectors. Runs on its own Redis 8 server (Vector
 * Sets); `--smoke` uses 1,000 and 2,000 entries.
 */
export const semanticCache: Benchmark = {
  name: 'semantic-cache',
  description: 'SemanticCache lookups on Redis 8 Vector Sets vs a brute-force cosine scan in Node (384-dim)',
  async setup(context) {
    const smoke = context.options.operations <= 100;
    const sizes = smoke ? [1_000, 2_000] : [10_000, 100_000];
    const largest = Math.max(...sizes);
    const source = findServerSource('redis8');
    let server: SpawnedServer | undefined;
    let client: RedisClientType;
    if (source?.url) {
      client = createClient({ url: source.url }) as RedisClientType;
    } else if (source?.command) {
      server = await spawnRedisServer(source.command);
      client = createClient({ url: server.url }) as RedisClientType;
    } else {
      throw new Error(
        '[tristack] semantic-cache benchmark NOT RUN: no Redis 8 server (Vector Sets); run scripts/redis-servers.sh',
      );
    }
    client.on('error', () => {});
    await client.connect();
    await client.flushDb();
    console.log(`Redis 8 server: ${source.url ?? server!.url} (${source.origin})`);

    const entries = new Float32Array(largest * DIMENSIONS);
    for (let index = 0; index < largest; index++) entries.set(unitVector(index + 1), index * DIMENSIONS);
    const embedder = new TableEmbedder(entries);
    const cache = await RedisSemanticCache.create({
      client,
      embedder,
      embeddingCache: false,
      ttlMs: 3_600_000,
    });

    const threaded = await RedisSemanticCache.create({
      client,
      embedder,
      embeddingCache: false,
      threadedSearch: true,
    });

    const cases: Case[] = [{ name: 'floor: PING on the Redis 8 server', run: () => client.ping() }];
    for (const size of sizes) {
      const tenant = `bench-${size}`;
      const started = performance.now();
      await pool(size, 64, (index) =>
        cache.store(request(tenant, entryText(index)), { content: `answer ${index}` }),
      );
      console.log(`loaded ${size} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);

      // Check the measured paths do what they claim before timing them, and take the server's
      // own time per call (one client, nothing else running on this server).
      const sample = 500;
      const probe = async (probeCache: RedisSemanticCache, exactToo: boolean) => {
        await client.sendCommand(['SLOWLOG', 'RESET']);
        let found = 0;
        for (let attempt = 0; attempt < sample; attempt++) {
          const index = (attempt * 7919) % size;
          if (exactToo) {
            const exact = await probeCache.lookup(request(tenant, entryText(index)));
            if (!exact.hit || exact.kind !== 'exact') throw new Error(`exact lookup ${index} missed`);
          }
          const result = await probeCache.lookup(request(tenant, queryText(index)));
          if (result.hit && result.kind === 'semantic' && result.response.content === `answer ${index}`)
            found++;
        }
        return `found their entry ${found}/${sample}`;
      };
      await client.sendCommand([
        'CONFIG',
        'SET',
        'slowlog-log-slower-than',
        '0',
        'slowlog-max-len',
        '100000',
      ]);
      let bruteForceFound = 0;
      for (let attempt = 0; attempt < sample; attempt++) {
        const index = (attempt * 7919) % size;
        if (bruteForceNearest(entries, size, queryVector(entries, index)).index === index) bruteForceFound++;
      }
      console.log(`${size} entries: brute force found their entry ${bruteForceFound}/${sample}`);
      console.log(
        `  one script (default): ${await probe(cache, true)}; server time: semantic script ` +
          `${await serverTimes(client, semanticScript)}, VSIM inside it ${await serverTimes(client, vsim)}, ` +
          `exact script ${await serverTimes(client, exactScript)}`,
      );
      console.log(
        `  threadedSearch: ${await probe(threaded, false)}; server time: VSIM command ` +
          `${await serverTimes(client, vsim)}, confirm script ${await serverTimes(client, confirmScript)}`,
      );
      const thorough = await RedisSemanticCache.create({
        client,
        embedder,
        embeddingCache: false,
        searchEffort: 200,
      });
      console.log(
        `  searchEffort 200: ${await probe(thorough, false)}; server time: VSIM inside the script ${await serverTimes(client, vsim)}`,
      );
      await client.sendCommand(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
      cases.push(
        {
          name: `tristack exact hit, ${size} entries`,
          run: (index) => cache.lookup(request(tenant, entryText(index % size))),
        },
        {
          name: `tristack semantic hit (exact miss + VSIM script), ${size} entries`,
          run: (index) => cache.lookup(request(tenant, queryText(index % size))),
        },
        {
          name: `tristack semantic hit, threadedSearch, ${size} entries`,
          run: (index) => threaded.lookup(request(tenant, queryText(index % size))),
        },
        {
          name: `brute-force cosine scan in Node, ${size} entries`,
          run: async (index) => bruteForceNearest(entries, size, queryVector(entries, index % size)),
        },
      );
    }
    return {
      cases,
      cleanup: async () => {
        await client.flushDb();
        await client.close();
        await server?.stop();
      },
    };
  },
};
