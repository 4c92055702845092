import type { LoopMessage, LoopModel, ModelChunk } from './agent-loop.js';

/**
 * A deterministic stand-in for a provider SDK, so the example runs with no key and no network: it
 * asks for the `research` tool once, then answers from the tool's result, word by word. A real
 * provider goes behind the same `stream` (map its deltas, tool calls and usage onto `ModelChunk`).
 */
export function scriptedModel(id = 'scripted-1'): LoopModel & { calls: number } {
  const model = {
    id,
    calls: 0,
    async *stream(messages: readonly LoopMessage[], signal: AbortSignal): AsyncIterable<ModelChunk> {
      model.calls += 1;
      const toolResult = messages.findLast((message) => message.role === 'tool');
      const question = messages.findLast((message) => message.role === 'user')!.content;
      if (!toolResult || messages.at(-1)!.role === 'user') {
        yield { type: 'tool-call', id: `call-${model.calls}`, name: 'research', input: { topic: question } };
      } else {
        for (const word of `Here is what I found: ${toolResult.content}`.split(/(?<= )/)) {
          signal.throwIfAborted();
          yield { type: 'text', text: word };
        }
      }
      yield { type: 'usage', inputTokens: 20 * messages.length, outputTokens: 12 };
    },
  };
  return model;
}
