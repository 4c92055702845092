import { z } from 'zod';

/**
 * Who a run belongs to. Middleware and tools read it from the run's trusted context
 * (`createAgent` `context`, LangGraph `configurable`), never from model output.
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

/**
 * The default: `context.{tenantId,userId,conversationId}`, then the same keys of `configurable`,
 * and `configurable.thread_id` as the conversation.
 */
export const defaultRunIdentity: ResolveRunIdentity = (source) => {
  const context = (
    typeof source.context === 'object' && source.context !== null ? source.context : {}
  ) as Record<string, unknown>;
  const configurable = source.configurable ?? {};
  const pick = (key: string) => text(context[key]) ?? text(configurable[key]);
  const identity: RunIdentity = {};
  const tenantId = pick('tenantId');
  const userId = pick('userId');
  const conversationId = pick('conversationId') ?? text(configurable.thread_id);
  const runId = pick('runId') ?? text(configurable.run_id);
  if (tenantId !== undefined) identity.tenantId = tenantId;
  if (userId !== undefined) identity.userId = userId;
  if (conversationId !== undefined) identity.conversationId = conversationId;
  if (runId !== undefined) identity.runId = runId;
  return identity;
};

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
