import {
  compositeKey,
  type AuditEventInput,
  type AuditLog,
  type CircuitBreaker,
  type ConversationMemory,
  type JobQueue,
  type MessageInput,
  type RateLimiter,
  type SemanticCache,
  type TokenStream,
} from '@tristack/core';

/** What the loop needs of a model: any provider SDK fits behind it (see `scripted-model.ts`). */
export interface LoopModel {
  readonly id: string;
  stream(messages: readonly LoopMessage[], signal: AbortSignal): AsyncIterable<ModelChunk>;
}
export type LoopToolCall = { id: string; name: string; input: Record<string, string> };
export type LoopMessage = {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  toolCalls?: LoopToolCall[];
  toolCallId?: string;
  name?: string;
};
export type ModelChunk =
  | { type: 'text'; text: string }
  | ({ type: 'tool-call' } & LoopToolCall)
  | { type: 'usage'; inputTokens: number; outputTokens: number };
/** A tool; a `slow` one runs on the job queue (any worker), off the request. */
export type LoopTool = { slow?: boolean; run(input: Record<string, string>): Promise<string> };

export interface Primitives {
  memory: ConversationMemory;
  limiter: RateLimiter;
  breaker: CircuitBreaker;
  cache: SemanticCache;
  queue: JobQueue;
  tokens: TokenStream;
  auditLog: AuditLog;
}

export interface Turn {
  tenantId: string;
  userId: string;
  conversationId: string;
  /** The token stream (and audit run) of this turn: readers resume it by id, from any worker. */
  runId: string;
  text: string;
}

/** A loop message as memory stores it (the shape the LangChain and AI SDK adapters store too). */
const toMemoryMessage = ({ toolCalls, ...message }: LoopMessage): MessageInput => ({
  ...message,
  ...(toolCalls?.length
    ? { toolCalls: toolCalls.map(({ id, name, input }) => ({ id, name, args: input })) }
    : {}),
});

/** One turn of a tool-using agent, from the user's message to the streamed, remembered answer. */
export async function runTurn(model: LoopModel, tools: Record<string, LoopTool>, p: Primitives, turn: Turn) {
  const { tenantId, userId, conversationId, runId } = turn;
  const address = { tenantId, userId, conversationId };
  const audit = (type: AuditEventInput['type'], data: Record<string, unknown>) =>
    p.auditLog.record({ tenantId, userId, conversationId, runId, type, data } as AuditEventInput);
  const history = await p.memory.read(address, { last: 50 });
  const messages: LoopMessage[] = history.map((message) => ({
    role: message.role as LoopMessage['role'],
    content: String(message.content),
    ...(message.toolCallId ? { toolCallId: message.toolCallId, name: message.name ?? '' } : {}),
    ...(message.toolCalls
      ? { toolCalls: message.toolCalls.map(({ id, name, args }) => ({ id, name, input: args as never })) }
      : {}),
  }));
  // This turn's messages (question, tool calls, tool results) are remembered with its answer.
  const turnStart = messages.push({ role: 'user', content: turn.text }) - 1;
  const writer = await p.tokens.open(runId);
  const limitKey = {
    user: compositeKey([
      ['tenant', tenantId],
      ['user', userId],
    ]),
  };
  // The cache is keyed on the turn's question and history, per user: a repeat skips model and tools.
  const request = { tenant: tenantId, user: userId, model: model.id, messages: [...messages] };
  const hit = await p.cache.lookup(request);
  let answer: string = hit.hit ? String(hit.response.content) : '';
  if (hit.hit) {
    await writer.write(answer);
    await audit('model.call.finished', { model: model.id, cached: true, cacheKind: hit.kind });
  }
  for (let step = 0; step < 5 && !answer; step++) {
    const reserved = { requests: 1, tokens: 1_000 };
    const admitted = await p.limiter.limit(limitKey, { cost: reserved });
    if (!admitted.allowed) {
      answer = `Rate limit reached; try again in ${Math.ceil(admitted.retryAfterMs / 1000)} s.`;
      await writer.write(answer);
      await audit('model.call.failed', { model: model.id, error: { message: answer, code: 'RATE_LIMITED' } });
      await writer.end();
      return answer; // a denial is not remembered as the assistant's answer
    }
    const started = performance.now();
    // The breaker counts the call fleet-wide; the writer's signal aborts it on a stop from any worker.
    const reply = await p.breaker
      .execute(`model:${model.id}`, async () => {
        const out = { text: '', calls: [] as LoopToolCall[], inputTokens: 0, outputTokens: 0 };
        for await (const chunk of model.stream(messages, writer.signal)) {
          if (chunk.type === 'text') {
            out.text += chunk.text;
            await writer.write(chunk.text);
          }
          if (chunk.type === 'tool-call')
            out.calls.push({ id: chunk.id, name: chunk.name, input: chunk.input });
          if (chunk.type === 'usage')
            [out.inputTokens, out.outputTokens] = [chunk.inputTokens, chunk.outputTokens];
        }
        return out;
      })
      .catch(async (error: unknown) => {
        await writer.fail(error); // readers on every worker see the turn end, stopped or failed
        throw error;
      });
    await p.limiter.reconcile(limitKey, {
      reserved,
      actual: { requests: 1, tokens: reply.inputTokens + reply.outputTokens },
      checkedAt: admitted.checkedAt,
    });
    await audit('model.call.finished', {
      model: model.id,
      cached: false,
      durationMs: performance.now() - started,
      tokenUsage: {
        inputTokens: reply.inputTokens,
        outputTokens: reply.outputTokens,
        totalTokens: reply.inputTokens + reply.outputTokens,
      },
      toolCallCount: reply.calls.length,
    });
    if (reply.calls.length > 0)
      messages.push({ role: 'assistant', content: reply.text, toolCalls: reply.calls });
    if (reply.calls.length === 0) {
      answer = reply.text;
      await p.cache.store(request, {
        content: answer,
        usage: { inputTokens: reply.inputTokens, outputTokens: reply.outputTokens },
      });
    }
    for (const call of reply.calls) {
      await audit('tool.call.requested', { tool: call.name, toolCallId: call.id, arguments: call.input });
      const tool = tools[call.name]!;
      const toolStarted = performance.now();
      const output = tool.slow
        ? await p.queue
            .enqueue(`tool:${call.name}`, call.input)
            .then((jobId) => p.queue.result<string>(jobId, { timeoutMs: 30_000 }))
            .then((result) => (result.status === 'completed' ? result.value : `Error: ${result.status}`))
        : await tool.run(call.input);
      const durationMs = performance.now() - toolStarted;
      await audit('tool.call.executed', {
        tool: call.name,
        toolCallId: call.id,
        outcome: 'success',
        durationMs,
      });
      messages.push({ role: 'tool', content: output, toolCallId: call.id, name: call.name });
    }
  }
  await p.memory.append(address, [
    ...messages.slice(turnStart).map(toMemoryMessage),
    { role: 'assistant', content: answer },
  ]);
  await writer.end();
  return answer;
}
