import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import {
  Annotation,
  DeltaChannel,
  END,
  START,
  StateGraph,
  Command,
  interrupt,
  messagesDeltaReducer,
  messagesStateReducer,
  type BaseCheckpointSaver,
} from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';

/** Answers deterministically from the conversation: a tool call for a question, a reply to a tool result. */
function respond(messages: BaseMessage[]): AIMessage {
  const last = messages.at(-1)!;
  const turn = messages.filter((message) => message.getType() === 'human').length;
  if (last.getType() === 'tool')
    return new AIMessage({ content: `turn ${turn}: the total is ${String(last.content)}` });
  return new AIMessage({
    content: '',
    tool_calls: [{ name: 'add', args: { a: turn, b: turn * 2 }, id: `call-${turn}`, type: 'tool_call' }],
  });
}

const add = tool(async ({ a, b }: { a: number; b: number }) => String(a + b), {
  name: 'add',
  description: 'Adds two numbers.',
  schema: z.object({ a: z.number(), b: z.number() }),
});

export interface AgentGraphOptions {
  /** Keep messages in a `DeltaChannel` (writes replayed, periodic snapshots) instead of a full list per step. */
  deltaMessages?: boolean;
  /** Updates between two full snapshots of a delta channel. @default 25 */
  snapshotFrequency?: number;
  /** Ask a human (interrupt) every `approvalEvery` turns before answering. */
  approvalEvery?: number;
}

/** A tool-calling agent (fake model from @langchain/core + ToolNode) compiled with `checkpointer`. */
export function buildAgentGraph(checkpointer: BaseCheckpointSaver, options: AgentGraphOptions = {}) {
  const model = fakeModel();
  for (let index = 0; index < 2000; index++) model.respond(respond);
  const State = Annotation.Root({
    messages: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
    approvals: Annotation<number>({ reducer: (left, right) => left + right, default: () => 0 }),
  });
  const channels = options.deltaMessages
    ? {
        messages: new DeltaChannel(messagesDeltaReducer, {
          snapshotFrequency: options.snapshotFrequency ?? 25,
        }),
      }
    : undefined;
  const graph = new StateGraph(State)
    .addNode('agent', async (state) => {
      const every = options.approvalEvery;
      const turn = state.messages.filter((message) => message.getType() === 'human').length;
      let approvals = 0;
      if (every && turn % every === 0 && state.messages.at(-1)?.getType() === 'human') {
        const answer = interrupt<string, string>(`approve turn ${turn}?`);
        if (answer !== 'yes') throw new Error(`turn ${turn} was not approved`);
        approvals = 1;
      }
      return { messages: [await model.invoke(state.messages)], approvals };
    })
    .addNode('tools', new ToolNode([add]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent');
  if (channels) Object.assign((graph as unknown as { channels: object }).channels, channels);
  return graph.compile({ checkpointer });
}

export type AgentGraph = ReturnType<typeof buildAgentGraph>;

/** Runs turns `from`..`to` (inclusive) on `threadId`, answering interrupts with "yes". */
export async function runTurns(
  graph: AgentGraph,
  threadId: string,
  from: number,
  to: number,
  configurable: Record<string, unknown> = {},
): Promise<void> {
  const config = { configurable: { thread_id: threadId, ...configurable } };
  for (let turn = from; turn <= to; turn++) {
    let result = await graph.invoke({ messages: [new HumanMessage(`question ${turn}`)] }, config);
    while ('__interrupt__' in result) result = await graph.invoke(new Command({ resume: 'yes' }), config);
  }
}

/** The conversation without generated ids: what two runs must agree on. */
export function transcript(messages: BaseMessage[]): string[] {
  return messages.map((message) => `${message.getType()}:${String(message.content)}`);
}
