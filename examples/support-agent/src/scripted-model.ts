import type { ToolDefinition } from '@langchain/core/language_models/base';
import { AIMessage, ToolMessage, type BaseMessage, type ToolCall } from '@langchain/core/messages';
import { ProviderUnavailableError, ToolCallingChatModel, estimateTokens } from './tool-calling-chat-model.js';

/** What the scripted model says about a tool's output. */
function summarizeToolOutput(toolName: string, output: string): string {
  const parsed = (() => {
    try {
      return JSON.parse(output) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  })();
  if (toolName === 'Github_ListPullRequests' && parsed) {
    const pulls = (parsed['pull_requests'] ?? []) as { number: number; title: string }[];
    return `${parsed['repository'] as string} has ${pulls.length} open pull requests: ${pulls
      .map((pull) => `#${pull.number} "${pull.title}"`)
      .join(', ')}.`;
  }
  if (toolName === 'Reports_WeeklyDigest' && parsed)
    return `Your weekly digest is ready: ${parsed['summary'] as string}`;
  return `The tool ${toolName} answered: ${output.slice(0, 200)}`;
}

/**
 * A deterministic tool-calling LangChain chat model for the demo and its tests: it answers from
 * the conversation it is given (so memory shows), calls tools by keyword, and summarises their
 * results. No network, no keys. `down = true` makes it fail like a provider outage (HTTP 503).
 */
export class ScriptedSupportModel extends ToolCallingChatModel {
  down = false;
  private calls = 0;

  constructor(model = 'scripted-primary') {
    super(model);
  }

  protected async reply(messages: BaseMessage[], tools: ToolDefinition[]): Promise<AIMessage> {
    if (this.down) throw new ProviderUnavailableError(this.model);
    const last = messages.at(-1);
    const { content, toolCalls } =
      last && ToolMessage.isInstance(last) ? this.afterTool(messages, last) : this.answer(messages, tools);
    const inputTokens = messages.reduce((sum, message) => sum + estimateTokens(message.text), 0);
    const outputTokens = estimateTokens(content);
    const usage = { input_tokens: inputTokens, output_tokens: outputTokens };
    return new AIMessage({
      content,
      tool_calls: toolCalls,
      usage_metadata: { ...usage, total_tokens: inputTokens + outputTokens },
      // Kept with the message by the response cache, so a hit can say what it saved.
      response_metadata: { model_name: this.model, tokenUsage: usage },
    });
  }

  private toolCall(name: string, args: Record<string, unknown>): ToolCall {
    this.calls += 1;
    return { id: `call_${this.model}_${this.calls}`, name, args, type: 'tool_call' };
  }

  private afterTool(messages: BaseMessage[], last: ToolMessage) {
    const call = messages
      .flatMap((message) => (AIMessage.isInstance(message) ? (message.tool_calls ?? []) : []))
      .find((candidate) => candidate.id === last.tool_call_id);
    return { content: summarizeToolOutput(call?.name ?? 'unknown', last.text), toolCalls: [] };
  }

  private answer(
    messages: BaseMessage[],
    tools: ToolDefinition[],
  ): { content: string; toolCalls: ToolCall[] } {
    const latest = messages.at(-1)?.text ?? '';
    const question = latest.toLowerCase();
    const has = (name: string) => tools.some((tool) => tool.function.name === name);
    const history = messages
      .slice(0, -1)
      .map((message) => message.text)
      .join('\n');
    const repository = /\b([\w-]+\/[\w-]+)\b/.exec(latest)?.[1];
    const answer = (content: string) => ({ content, toolCalls: [] });

    if (/pull requests?/.test(question) && has('Github_ListPullRequests')) {
      const [owner, repo] = (repository ?? 'acme/web').split('/');
      return {
        content: '',
        toolCalls: [this.toolCall('Github_ListPullRequests', { owner, repo, state: 'open' })],
      };
    }
    if (/digest|weekly report/.test(question) && has('Reports_WeeklyDigest'))
      return { content: '', toolCalls: [this.toolCall('Reports_WeeklyDigest', { weeks: 1 })] };
    if (/which repo|what repo/.test(question)) {
      const remembered = /maintain (?:the )?([\w-]+\/[\w-]+)/i.exec(history)?.[1];
      return answer(
        remembered
          ? `You told me earlier that you maintain ${remembered}.`
          : "You haven't told me which repository you maintain yet.",
      );
    }
    if (/reset.*slack.*password|slack password.*reset/.test(question))
      return answer(
        'To reset your Slack password: open slack.com/signin, choose "Forgot password?", and follow the link Slack emails you. Admins can also force a reset from the workspace settings.',
      );
    if (/slack message|announce/.test(question))
      return answer(
        `Draft for #general: "PR #${/#(\d+)/.exec(question)?.[1] ?? '?'} is merged and deploying now." (answered by ${this.model})`,
      );
    const name = /i'm (\w+)/i.exec(question)?.[1];
    if (name)
      return answer(
        `Nice to meet you, ${name[0]!.toUpperCase()}${name.slice(1)}! I can help with your GitHub and Slack work.`,
      );
    return answer(`(${this.model}) Noted: "${latest}".`);
  }
}
