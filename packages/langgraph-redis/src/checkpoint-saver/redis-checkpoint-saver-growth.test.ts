import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import {
  Annotation,
  DeltaChannel,
  END,
  START,
  StateGraph,
  messagesDeltaReducer,
  messagesStateReducer,
} from '@langchain/langgraph';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisCheckpointSaver } from './redis-checkpoint-saver.js';

const redis = useRedis();

/** Bytes the thread's keys take on the server. */
async function threadBytes(threadId: string): Promise<number> {
  let total = 0;
  for (const key of await redis.client.keys(`tristack:langgraph:{${threadId}}:*`))
    total += Number(await redis.client.memoryUsage(key, { SAMPLES: 0 }));
  return total;
}

/** A chat graph: a 20 kB profile written once, messages in a DeltaChannel (LangGraph's answer to O(n²) history). */
function chatGraph(saver: RedisCheckpointSaver) {
  const State = Annotation.Root({
    messages: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
    profile: Annotation<string>(),
  });
  const graph = new StateGraph(State)
    .addNode('reply', (state) => ({
      messages: [new AIMessage(`reply ${state.messages.length}: ${'lorem ipsum '.repeat(5)}`)],
      ...(state.profile ? {} : { profile: 'p'.repeat(20_000) }),
    }))
    .addEdge(START, 'reply')
    .addEdge('reply', END);
  Object.assign((graph as unknown as { channels: object }).channels, {
    messages: new DeltaChannel(messagesDeltaReducer, { snapshotFrequency: 100 }),
  });
  return graph.compile({ checkpointer: saver });
}

describe('RedisCheckpointSaver storage growth', () => {
  it('grows linearly over 200 turns: bytes per turn stay bounded', { timeout: 60_000 }, async () => {
    const graph = chatGraph(new RedisCheckpointSaver({ client: redis.client }));
    const config = { configurable: { thread_id: 'long' } };
    const sizes = [await threadBytes('long')];
    for (let turn = 1; turn <= 200; turn++) {
      await graph.invoke(
        { messages: [new HumanMessage(`question ${turn}: ${'dolor sit amet '.repeat(5)}`)] },
        config,
      );
      if (turn % 50 === 0) sizes.push(await threadBytes('long'));
    }
    const perTurn = sizes.slice(1).map((size, index) => (size - sizes[index]!) / 50);
    console.info(
      `[tristack] checkpoint bytes per turn, by 50-turn window: ${perTurn.map(Math.round).join(', ')}`,
    );
    // Quadratic storage (the whole history or the profile rewritten each step) would make the last
    // window several times the second; linear keeps them within a small factor of each other.
    expect(perTurn[3]!).toBeLessThan(perTurn[1]! * 1.6);
    // The 20 kB profile is stored once: a turn (3 checkpoints) costs less than one copy of it.
    expect(Math.max(...perTurn)).toBeLessThan(20_000);
    const state = await graph.getState(config);
    expect(state.values.messages).toHaveLength(400);
  });
});
