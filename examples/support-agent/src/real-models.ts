import type { ToolDefinition } from '@langchain/core/language_models/base';
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ToolCallingChatModel } from './tool-calling-chat-model.js';

async function post<Reply>(url: string, headers: Record<string, string>, body: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok)
    // `status` lets the fallback middleware tell a 429/5xx (try the next model) from a 400.
    throw Object.assign(new Error(`${url}: ${response.status} ${(await response.text()).slice(0, 200)}`), {
      status: response.status,
    });
  return (await response.json()) as Reply;
}

function answer(
  model: string,
  content: string,
  toolCalls: { id: string; name: string; args: Record<string, unknown> }[],
  usage: { input: number; output: number },
): AIMessage {
  return new AIMessage({
    content,
    tool_calls: toolCalls.map((call) => ({ ...call, type: 'tool_call' as const })),
    usage_metadata: {
      input_tokens: usage.input,
      output_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    },
    response_metadata: {
      model_name: model,
      tokenUsage: { input_tokens: usage.input, output_tokens: usage.output },
    },
  });
}

interface OpenAiReply {
  choices: {
    message: {
      content: string | null;
      tool_calls?: { id: string; function: { name: string; arguments: string } }[];
    };
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
}

type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };
interface AnthropicReply {
  content: AnthropicBlock[];
  usage?: { input_tokens: number; output_tokens: number };
}

/** A hosted model: its API key and model id. */
abstract class HostedChatModel extends ToolCallingChatModel {
  constructor(
    protected readonly apiKey: string,
    model: string,
  ) {
    super(model);
  }
}

/** OpenAI's Chat Completions API with function tools, as a LangChain chat model (plain fetch: no SDK). */
export class OpenAiChatModel extends HostedChatModel {
  protected async reply(messages: BaseMessage[], tools: ToolDefinition[]): Promise<AIMessage> {
    const body = {
      model: this.model,
      messages: messages.map((message) => {
        if (ToolMessage.isInstance(message))
          return { role: 'tool', tool_call_id: message.tool_call_id, content: message.text };
        const role = { system: 'system', ai: 'assistant' }[message.getType() as string] ?? 'user';
        const calls = AIMessage.isInstance(message) ? (message.tool_calls ?? []) : [];
        return {
          role,
          content: message.text,
          ...(calls.length
            ? {
                tool_calls: calls.map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: JSON.stringify(call.args) },
                })),
              }
            : {}),
        };
      }),
      ...(tools.length ? { tools } : {}),
    };
    const reply = await post<OpenAiReply>(
      'https://api.openai.com/v1/chat/completions',
      { authorization: `Bearer ${this.apiKey}` },
      body,
    );
    const message = reply.choices[0]!.message;
    return answer(
      this.model,
      message.content ?? '',
      (message.tool_calls ?? []).map((call) => ({
        id: call.id,
        name: call.function.name,
        args: JSON.parse(call.function.arguments || '{}') as Record<string, unknown>,
      })),
      { input: reply.usage?.prompt_tokens ?? 0, output: reply.usage?.completion_tokens ?? 0 },
    );
  }
}

/** Anthropic's Messages API with tools, as a LangChain chat model (plain fetch). */
export class AnthropicChatModel extends HostedChatModel {
  protected async reply(messages: BaseMessage[], tools: ToolDefinition[]): Promise<AIMessage> {
    const system: string[] = [];
    const converted: { role: 'user' | 'assistant'; content: unknown[] }[] = [];
    for (const message of messages) {
      if (message.getType() === 'system') {
        system.push(message.text);
        continue;
      }
      const role = AIMessage.isInstance(message) ? 'assistant' : 'user';
      const blocks = ToolMessage.isInstance(message)
        ? [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: message.text }]
        : [
            ...(message.text ? [{ type: 'text', text: message.text }] : []),
            ...(AIMessage.isInstance(message) ? (message.tool_calls ?? []) : []).map((call) => ({
              type: 'tool_use',
              id: call.id,
              name: call.name,
              input: call.args,
            })),
          ];
      // Anthropic wants user and assistant turns to alternate: merge neighbours of one role.
      const previous = converted.at(-1);
      if (previous?.role === role) previous.content.push(...blocks);
      else converted.push({ role, content: blocks });
    }
    const reply = await post<AnthropicReply>(
      'https://api.anthropic.com/v1/messages',
      { 'x-api-key': this.apiKey, 'anthropic-version': '2023-06-01' },
      {
        model: this.model,
        max_tokens: 1024,
        ...(system.length ? { system: system.join('\n\n') } : {}),
        messages: converted,
        tools: tools.map((tool) => ({
          name: tool.function.name,
          description: tool.function.description,
          input_schema: tool.function.parameters,
        })),
      },
    );
    const content = reply.content;
    return answer(
      this.model,
      content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join(''),
      content.flatMap((block) =>
        block.type === 'tool_use' ? [{ id: block.id, name: block.name, args: block.input }] : [],
      ),
      { input: reply.usage?.input_tokens ?? 0, output: reply.usage?.output_tokens ?? 0 },
    );
  }
}

/**
 * The real models whose keys are set, in `MODEL_FALLBACK_ORDER` (default `openai,anthropic`).
 * `OPENAI_MODEL` / `ANTHROPIC_MODEL` pick the model ids.
 */
export function realModelsFromEnvironment(env: Record<string, string | undefined>): ToolCallingChatModel[] {
  const order = (env['MODEL_FALLBACK_ORDER'] ?? 'openai,anthropic').split(',').map((name) => name.trim());
  const models: ToolCallingChatModel[] = [];
  for (const provider of order) {
    if (provider === 'openai' && env['OPENAI_API_KEY'])
      models.push(new OpenAiChatModel(env['OPENAI_API_KEY'], env['OPENAI_MODEL'] ?? 'gpt-4o-mini'));
    if (provider === 'anthropic' && env['ANTHROPIC_API_KEY'])
      models.push(
        new AnthropicChatModel(env['ANTHROPIC_API_KEY'], env['ANTHROPIC_MODEL'] ?? 'claude-3-5-haiku-latest'),
      );
  }
  return models;
}
