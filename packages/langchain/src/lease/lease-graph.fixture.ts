/** A graph for the lease tests: its node records start/end with the run's fencing token and waits on a gate. */
import { AIMessage } from '@langchain/core/messages';
import type { RunnableConfig } from '@langchain/core/runnables';
import { MemorySaver, MessagesAnnotation, StateGraph } from '@langchain/langgraph';

export interface LeaseGraphHooks {
  /** Called when the node starts, with its fencing token; the node continues when it resolves. */
  onStart(token: unknown): Promise<void>;
  onEnd(token: unknown): Promise<void>;
}

export function leaseGraph(hooks: LeaseGraphHooks, checkpointer = new MemorySaver()) {
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state, config: RunnableConfig) => {
      const token = config.configurable?.fencing_token;
      await hooks.onStart(token);
      await hooks.onEnd(token);
      return { messages: [new AIMessage(`answer ${state.messages.length} (token ${String(token)})`)] };
    })
    .addEdge('__start__', 'agent')
    .compile({ checkpointer });
}
