import { randomUUID } from 'node:crypto';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { Command, MemorySaver } from '@langchain/langgraph';
import { createAgent } from 'langchain';
import type { JobWorker, ToolProvider } from '@tristack/core';
import {
  productionMiddleware,
  tristackMetadata,
  toLangChainTools,
  type ToolAuthorizationInterrupt,
} from '@tristack/langchain';
import { RATE_LIMITS, type AgentDrivers } from './drivers.js';
import { QueuedToolProvider } from './queued-tool-provider.js';
import type { ToolCallingChatModel } from './tool-calling-chat-model.js';

const SYSTEM_PROMPT =
  'You are a support agent helping the user with their GitHub and Slack work. Use the tools when they help; be brief.';

export interface SupportAgentOptions {
  drivers: AgentDrivers;
  tools: ToolProvider;
  /** The primary model, then its fallbacks in order (each behind its own breaker). */
  models: readonly [ToolCallingChatModel, ...ToolCallingChatModel[]];
  /** Tenant of every record. @default 'demo' */
  tenantId?: string;
  /** Groups the whole session in the audit trail (`tristack audit run <runId>`). */
  runId: string;
  /** Tools handed to the job queue instead of run inline. @default [] */
  longRunningTools?: readonly string[];
  /** The user whose tool list the agent is built with (every run then acts as its own user). */
  catalogUserId: string;
  /**
   * The run paused for the user's consent: show them `request.url`. When this returns, the run
   * is resumed with `Command({ resume: { granted: true } })` and the tool call retried.
   */
  onAuthorization(request: ToolAuthorizationInterrupt): Promise<void>;
  /** Progress lines (`→ …`) for the transcript. @default none */
  log?: (line: string) => void;
}

export interface TurnInput {
  userId: string;
  conversationId: string;
  text: string;
}

export type TurnResult =
  | {
      status: 'answered';
      content: string;
      /** `cache`: no model was called. */
      source: 'model' | 'cache';
      model: string;
      tokensSaved?: number;
      similarity?: number;
    }
  | { status: 'rate_limited'; retryAfterMs: number };

interface RateLimitedMetadata {
  tristack?: { rateLimited?: { retryAfterMs: number; rule?: string } };
  model_name?: string;
  tokenUsage?: { input_tokens: number; output_tokens: number };
}

const metadataOf = (message: BaseMessage) => message.response_metadata as RateLimitedMetadata;

function buildAgent(options: SupportAgentOptions, tools: Awaited<ReturnType<typeof toLangChainTools>>) {
  const { drivers, models } = options;
  const [primary, ...fallbacks] = models;
  return createAgent({
    model: primary,
    tools,
    systemPrompt: SYSTEM_PROMPT,
    // Only a turn paused on consent lives here; the conversation itself is in ConversationMemory.
    checkpointer: new MemorySaver(),
    middleware: productionMiddleware({
      auditLog: drivers.auditLog,
      memory: drivers.memory,
      // FAQ answers are shared by the tenant's users (opt-in); tool-derived ones never are.
      cache: { cache: drivers.cache, shareAcrossUsers: true },
      // The default key: `tenant=<t>:user=<u>` for the user-scope rule, from the run's context.
      limiter: { limiter: drivers.rateLimiter },
      breaker: drivers.breaker,
      fallbacks,
    }),
  });
}

/**
 * The demo's agent: LangChain's `createAgent` with Tristack's `productionMiddleware` (audit →
 * memory → semantic cache → retry → per-user rate limit → fallback behind per-model breakers)
 * and the `ToolProvider`'s tools (consent → LangGraph interrupt; long calls on the job queue).
 * Each turn holds the conversation's lease, so two requests for one thread never interleave.
 */
export class SupportAgent {
  private readonly tenantId: string;
  private readonly log: (line: string) => void;
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly options: SupportAgentOptions,
    private readonly tools: QueuedToolProvider,
    private readonly agent: ReturnType<typeof buildAgent>,
  ) {
    this.tenantId = options.tenantId ?? 'demo';
    this.log = options.log ?? (() => {});
    this.unsubscribe = options.drivers.breaker.onEvent((event) => {
      if (event.type !== 'state-change') return;
      this.log(`circuit ${event.name}: ${event.from} → ${event.to} (${event.reason})`);
      void options.drivers.auditLog.record({
        type: 'circuit-breaker.state-changed',
        tenantId: this.tenantId,
        runId: options.runId,
        data: { breaker: event.name, from: event.from, to: event.to, reason: event.reason },
      });
    });
  }

  static async create(options: SupportAgentOptions): Promise<SupportAgent> {
    const tools = new QueuedToolProvider({
      tools: options.tools,
      queue: options.drivers.queue,
      longRunningTools: options.longRunningTools ?? [],
      auditLog: options.drivers.auditLog,
      runId: options.runId,
      ...(options.log ? { log: options.log } : {}),
    });
    const langChainTools = await toLangChainTools(tools, {
      listFor: { userId: options.catalogUserId, tenantId: options.tenantId ?? 'demo' },
    });
    return new SupportAgent(options, tools, buildAgent(options, langChainTools));
  }

  /** Starts this process's worker for long tool calls (in a fleet, every worker runs one). */
  startToolWorker(): Promise<JobWorker> {
    return this.tools.startWorker();
  }

  async turn(input: TurnInput): Promise<TurnResult> {
    const config = {
      context: {
        tenantId: this.tenantId,
        userId: input.userId,
        conversationId: input.conversationId,
        runId: this.options.runId,
      },
      // A thread per turn: a worker that never saw this conversation continues it from memory.
      configurable: { thread_id: `${input.conversationId}:${randomUUID()}` },
    };
    // One writer per conversation: a second request for this thread waits for the first.
    return this.options.drivers.lease.run(
      `conversation:${input.conversationId}`,
      async () => {
        let state = await this.agent.invoke({ messages: [new HumanMessage(input.text)] }, config);
        for (let round = 0; round < 3; round++) {
          const pending = (state as { __interrupt__?: { value: unknown }[] }).__interrupt__ ?? [];
          const consent = pending
            .map((each) => each.value as ToolAuthorizationInterrupt)
            .find((value) => value.type === 'tool_authorization');
          if (!consent) break;
          await this.options.onAuthorization(consent);
          this.log(`resuming the run: Command({ resume: { granted: true } }) → ${consent.tool} retried`);
          state = await this.agent.invoke(new Command({ resume: { granted: true } }), config);
        }
        return this.resultOf(state.messages, input);
      },
      { ttlMs: 30_000, waitMs: 30_000 },
    );
  }

  private async resultOf(messages: BaseMessage[], input: TurnInput): Promise<TurnResult> {
    const primary = this.options.models[0].model;
    for (const message of messages) {
      const fallback = tristackMetadata(message).fallback;
      if (fallback)
        this.log(
          fallback.reason === 'circuit-open'
            ? `${fallback.from}: circuit open, skipped → ${fallback.to} answered`
            : `${fallback.from} failed (${fallback.reason}) → ${fallback.to} answered`,
        );
    }
    const answer = messages.at(-1);
    if (!answer || !AIMessage.isInstance(answer))
      return { status: 'answered', content: '(no answer)', source: 'model', model: primary };
    const metadata = metadataOf(answer);
    const denied = metadata.tristack?.rateLimited;
    if (denied) {
      // The middleware ends the turn with a notice; the denial itself belongs in the trail.
      await this.options.drivers.auditLog.record({
        type: 'rate-limit.denied',
        tenantId: this.tenantId,
        userId: input.userId,
        conversationId: input.conversationId,
        runId: this.options.runId,
        data: { limiter: RATE_LIMITS.name ?? 'rate-limiter', key: input.userId, ...denied },
      });
      return { status: 'rate_limited', retryAfterMs: denied.retryAfterMs };
    }
    const { cached, model } = tristackMetadata(answer);
    if (cached) {
      const usage = metadata.tokenUsage;
      return {
        status: 'answered',
        content: answer.text,
        source: 'cache',
        model: primary,
        similarity: cached.similarity,
        tokensSaved: usage ? usage.input_tokens + usage.output_tokens : 0,
      };
    }
    return {
      status: 'answered',
      content: answer.text,
      source: 'model',
      model: model ?? metadata.model_name ?? primary,
    };
  }

  close(): void {
    this.unsubscribe();
  }
}
