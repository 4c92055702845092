import type { BaseLanguageModelInput, ToolDefinition } from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import type { AIMessage, AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';

export interface ToolCallingCallOptions extends BaseChatModelCallOptions {
  /** The tools `bindTools` bound, as OpenAI function definitions. */
  tools?: ToolDefinition[];
}

/**
 * The demo's LangChain chat models (scripted, OpenAI and Anthropic over plain `fetch`): one
 * `reply` per call, tools bound as OpenAI function definitions. `model` names the model for the
 * breaker (`model:<model>`), the cache scope and the audit trail.
 */
export abstract class ToolCallingChatModel extends BaseChatModel<ToolCallingCallOptions> {
  constructor(readonly model: string) {
    super({});
  }

  _llmType(): string {
    return this.model;
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<ToolCallingCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, ToolCallingCallOptions> {
    return this.withConfig({ ...kwargs, tools: tools.map((tool) => convertToOpenAITool(tool)) });
  }

  /** One answer to `messages`, possibly with tool calls, with `usage_metadata` set. */
  protected abstract reply(messages: BaseMessage[], tools: ToolDefinition[]): Promise<AIMessage>;

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const message = await this.reply(messages, options.tools ?? []);
    return { generations: [{ text: message.text, message }] };
  }
}

/** A provider outage: every call fails like an HTTP 503 would (the fallback moves on). */
export class ProviderUnavailableError extends Error {
  readonly status = 503;
  constructor(model: string) {
    super(`${model}: 503 Service Unavailable`);
  }
}

/** Rough token count (4 characters a token) for models that report none. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
