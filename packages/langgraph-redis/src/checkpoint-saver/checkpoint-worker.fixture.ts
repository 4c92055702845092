// A worker process for redis-checkpoint-saver.fleet.test.ts.
//   run <url> <db> <thread> <lastTurn> <stopAtInterrupt 0|1>: resumes the thread from Redis (an
//     unfinished step, a pending interrupt) and runs turns up to lastTurn, printing "turn N";
//     prints "interrupted N" and exits when asked to stop at an interrupt; ends with "done <transcript>".
//   fenced <url> <db> <thread> <lastTurn> <ttlMs>: takes the lease, prints "leased <token>", waits for
//     a line on stdin, then runs with fencing on; prints "done …" or "rejected <current token>".
import { Command } from '@langchain/langgraph';
import { HumanMessage } from '@langchain/core/messages';
import { TristackError, type LeaseLostError } from '@tristack/core';
import { RedisConversationLease } from '@tristack/redis';
import { createClient } from 'redis';
import { buildAgentGraph, transcript } from './agent-graph.fixture.js';
import { RedisCheckpointSaver } from './redis-checkpoint-saver.js';

const [mode, url, database, threadId, lastTurnText, extra] = process.argv.slice(2);
const lastTurn = Number(lastTurnText);
const client = createClient({ url, database: Number(database) });
client.on('error', () => {});
await client.connect();
const print = (line: string) => process.stdout.write(`${line}\n`);

const configurable: Record<string, unknown> = { thread_id: threadId };
if (mode === 'fenced') {
  const leases = new RedisConversationLease({ client });
  const lease = await leases.acquire(threadId!, { ttlMs: Number(extra), waitMs: 10_000 });
  configurable.fencing_token = lease.fencingToken;
  print(`leased ${lease.fencingToken}`);
  await new Promise((resolve) => process.stdin.once('data', resolve));
}
const saver = new RedisCheckpointSaver({ client, fencing: mode === 'fenced' });
const graph = buildAgentGraph(saver, { approvalEvery: 5 });
const config = { configurable };
const stopAtInterrupt = mode === 'run' && extra === '1';

async function answerPending(): Promise<boolean> {
  for (;;) {
    const state = await graph.getState(config);
    if (state.next.length === 0) return true;
    const interrupted = state.tasks.some((task) => task.interrupts.length > 0);
    if (interrupted && stopAtInterrupt) return false;
    await graph.invoke(interrupted ? new Command({ resume: 'yes' }) : null, config);
  }
}

try {
  if (!(await answerPending())) {
    print('interrupted');
  } else {
    let stopped = false;
    for (;;) {
      const state = await graph.getState(config);
      const done = (state.values.messages ?? []).filter(
        (message: { getType(): string }) => message.getType() === 'human',
      ).length;
      if (done >= lastTurn) break;
      await graph.invoke({ messages: [new HumanMessage(`question ${done + 1}`)] }, config);
      print(`turn ${done + 1}`);
      if (!(await answerPending())) {
        print(`interrupted ${done + 1}`);
        stopped = true;
        break;
      }
    }
    if (!stopped) print(`done ${JSON.stringify(transcript((await graph.getState(config)).values.messages))}`);
  }
} catch (error) {
  if (TristackError.hasCode(error, 'LEASE_LOST'))
    print(`rejected ${(error as LeaseLostError).currentFencingToken}`);
  else print(`error ${(error as Error).stack}`);
}
await client.close();
