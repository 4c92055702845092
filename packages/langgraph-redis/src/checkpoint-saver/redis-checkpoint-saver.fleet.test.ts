import { fileURLToPath } from 'node:url';
import { MemorySaver } from '@langchain/langgraph';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { currentServer, useRedis } from '@tristack/testing/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAgentGraph, runTurns, transcript } from './agent-graph.fixture.js';
import { RedisCheckpointSaver } from './redis-checkpoint-saver.js';

const redis = useRedis();
const WORKER = fileURLToPath(new URL('./checkpoint-worker.fixture.ts', import.meta.url));
const workers: NodeWorker[] = [];

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.kill()));
});

function start(...args: string[]): NodeWorker {
  const worker = spawnNodeWorker(WORKER, [args[0]!, redis.url, String(redis.database), ...args.slice(1)]);
  workers.push(worker);
  return worker;
}

async function uninterrupted(turns: number): Promise<string[]> {
  const graph = buildAgentGraph(new MemorySaver(), { approvalEvery: 5 });
  await runTurns(graph, 'reference', 1, turns);
  return transcript((await graph.getState({ configurable: { thread_id: 'reference' } })).values.messages);
}

const doneTranscript = (line: string) => JSON.parse(line.slice('done '.length)) as string[];

// Process behaviour does not depend on the server flavour (the saver's scripts are proven on every
// server by the other files); spawning Node processes is slow, so this runs on the default server only.
const onDefaultServer = currentServer().kind === 'default';
if (!onDefaultServer)
  console.warn(
    `[tristack] NOT RUN on ${currentServer().kind}: multi-process checkpointer tests run on the default server`,
  );

describe.runIf(onDefaultServer)('RedisCheckpointSaver across processes', () => {
  it(
    'a 50-turn graph killed mid-run resumes in a new process and ends as an uninterrupted run',
    { timeout: 120_000 },
    async () => {
      const first = start('run', 'killed', '50', '0');
      await first.waitForLine(/^turn 2[0-9]$/, 60_000);
      await first.kill('SIGKILL');
      const saver = new RedisCheckpointSaver({ client: redis.client });
      const partial = await saver.getTuple({ configurable: { thread_id: 'killed' } });
      expect(partial).toBeDefined();

      const second = start('run', 'killed', '50', '0');
      const line = await second.waitForLine(/^(done|error) /, 90_000);
      expect(line.startsWith('done ')).toBe(true);
      const resumed = doneTranscript(line);
      expect(resumed).toHaveLength(200);
      expect(resumed).toEqual(await uninterrupted(50));
    },
  );

  it('an interrupt raised in one process is resumed by another', { timeout: 60_000 }, async () => {
    const first = start('run', 'approval', '6', '1');
    expect(await first.waitForLine(/^interrupted/, 30_000)).toBe('interrupted 5');
    expect(await first.exited(10_000)).toBe(0);
    const second = start('run', 'approval', '6', '0');
    const resumed = doneTranscript(await second.waitForLine(/^done /, 30_000));
    expect(resumed).toEqual(await uninterrupted(6));
  });

  it(
    'two processes resume one thread with fencing: one wins, the stale one is rejected, the chain stays linear',
    { timeout: 60_000 },
    async () => {
      const seed = buildAgentGraph(new RedisCheckpointSaver({ client: redis.client }), { approvalEvery: 5 });
      await runTurns(seed, 'fenced', 1, 2);

      const stale = start('fenced', 'fenced', '6', '500');
      const staleToken = Number((await stale.waitForLine(/^leased /, 30_000)).split(' ')[1]);
      // The first holder stalls past its lease TTL; the second takes over with a higher token.
      const winner = start('fenced', 'fenced', '4', '20000');
      const winnerToken = Number((await winner.waitForLine(/^leased /, 30_000)).split(' ')[1]);
      expect(winnerToken).toBeGreaterThan(staleToken);
      winner.send('go');
      expect(doneTranscript(await winner.waitForLine(/^(done|error|rejected)/, 30_000))).toEqual(
        await uninterrupted(4),
      );
      stale.send('go');
      expect(await stale.waitForLine(/^(done|error|rejected)/, 30_000)).toBe(`rejected ${winnerToken}`);

      // Linear: every checkpoint's parent is the one right before it, newest to oldest.
      const saver = new RedisCheckpointSaver({ client: redis.client });
      const chain: { id: string; parent: string | undefined }[] = [];
      for await (const tuple of saver.list({ configurable: { thread_id: 'fenced', checkpoint_ns: '' } }))
        chain.push({ id: tuple.checkpoint.id, parent: tuple.parentConfig?.configurable?.checkpoint_id });
      for (let index = 0; index < chain.length - 1; index++)
        expect(chain[index]!.parent).toBe(chain[index + 1]!.id);
      expect(chain.at(-1)!.parent).toBeUndefined();
    },
  );
});
