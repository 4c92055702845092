import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import { MissingRunIdentityError as CoreMissingRunIdentityError } from '@tristack/core/driver-kit';
import { z } from 'zod';
import { langGraphRunId } from './langgraph-run-id.js';

/**
 * Who a run belongs to. Middleware and tools read tenant and user from the run's trusted,
 * server-side context (`createAgent`/LangGraph `context`), never from model output and — unless
 * you opt in with `identityFromConfigurable` — never from `configurable`.
 */
export interface RunIdentity {
  tenantId?: string;
  userId?: string;
  /** The conversation (LangGraph thread) the run belongs to. */
  conversationId?: string;
  runId?: string;
}

/** What the identity is read from: an agent `Runtime` or a `RunnableConfig` (both carry these). */
export interface RunContextSource {
  context?: unknown;
  configurable?: Record<string, unknown> | undefined;
}

/** Reads the identity of a run: a function of the runtime/config, used by every adapter. */
export type ResolveRunIdentity = (source: RunContextSource) => RunIdentity;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

function readIdentity(
  source: RunContextSource,
  pick: (key: 'tenantId' | 'userId' | 'conversationId' | 'runId') => string | undefined,
): RunIdentity {
  const configurable = source.configurable ?? {};
  const identity: RunIdentity = {};
  const tenantId = pick('tenantId');
  const userId = pick('userId');
  // A thread id selects a conversation, not an identity: memory is keyed by user and conversation.
  const conversationId = pick('conversationId') ?? text(configurable.thread_id);
  // Without one from the caller, the LangGraph run's own id: every event of a run then shares it.
  const runId = pick('runId') ?? text(configurable.run_id) ?? langGraphRunId(source);
  if (tenantId !== undefined) identity.tenantId = tenantId;
  if (userId !== undefined) identity.userId = userId;
  if (conversationId !== undefined) identity.conversationId = conversationId;
  if (runId !== undefined) identity.runId = runId;
  return identity;
}

/**
 * The default: `context.{tenantId,userId,conversationId,runId}` only — the runtime context the
 * server passes to `agent.invoke(input, { context })` — with `configurable.thread_id` (and
 * `run_id`) as the conversation (and run) when the context names none, and else the LangGraph
 * run's own id (`langGraphRunId`) as the run. Tenant and user are never
 * read from `configurable`: hosted LangGraph deployments may let the client set it.
 */
export const defaultRunIdentity: ResolveRunIdentity = (source) => {
  const context = record(source.context);
  return readIdentity(source, (key) => text(context[key]));
};

/**
 * Opt-in: like `defaultRunIdentity`, but keys the context lacks are also read from
 * `configurable.{tenantId,userId,conversationId,runId}`.
 *
 * **Risk:** `configurable` is client-settable on some deployments (LangGraph Platform / Agent
 * Server lets the caller of a run pass it). Whoever can set it can then run tools under another
 * user's identity (their OAuth grants), read that user's cached answers and memory, and spend
 * their rate-limit budget. Use it only when your own server builds `configurable` after
 * authenticating the caller and no client value can reach it.
 */
export const identityFromConfigurable: ResolveRunIdentity = (source) => {
  const context = record(source.context);
  const configurable = source.configurable ?? {};
  return readIdentity(source, (key) => text(context[key]) ?? text(configurable[key]));
};

/**
 * The run context of a chat model call: its call options' `context` (what `createAgent` passes
 * the model), else the enclosing runnable's config (a LangGraph node that calls
 * `model.invoke(messages)` without passing its config). `configurable` is stripped from a chat
 * model's call options by LangChain, so it comes from the enclosing config only.
 */
export function runContextOfModelCall(callOptions: { context?: unknown } | undefined): RunContextSource {
  const enclosing = AsyncLocalStorageProviderSingleton.getRunnableConfig() as
    { context?: unknown; configurable?: Record<string, unknown> } | undefined;
  const source: RunContextSource = {};
  const context = callOptions?.context ?? enclosing?.context;
  if (context !== undefined) source.context = context;
  if (enclosing?.configurable !== undefined) source.configurable = enclosing.configurable;
  return source;
}

/**
 * The run's identity lacks what a primitive needs to keep callers apart (a user for a per-user
 * limit, a tenant for a per-tenant one). Raised instead of falling back to a bucket every
 * anonymous caller would share. Pass the id in the run's `context`, or give a `key`/`identity`.
 * (The core class, named for this adapter: `isInstance` matches every adapter's.)
 */
export class MissingRunIdentityError extends CoreMissingRunIdentityError {
  constructor(what: string, missing: string) {
    super(what, missing, { driver: 'langchain', where: `context.${missing}` });
  }
}

/**
 * The context keys the default identity reads. Declared on each middleware so `createAgent`
 * hands them to node hooks (it passes hooks only the keys of their `contextSchema`); loose, so a
 * custom `identity` resolver still sees every other key in `wrapModelCall`/`wrapToolCall`.
 */
export const runIdentityContextSchema = z
  .object({
    tenantId: z.string().optional(),
    userId: z.string().optional(),
    conversationId: z.string().optional(),
    runId: z.string().optional(),
  })
  .loose();
