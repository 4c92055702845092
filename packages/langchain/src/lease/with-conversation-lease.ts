import type { RunnableConfig } from '@langchain/core/runnables';
import { InvalidInputError, type ConversationLease, type Lease, type LeaseKeepAlive } from '@tristack/core';
import { compositeKey } from '@tristack/core';
import { idSchema, parseInput, parseOptions } from '@tristack/core/driver-kit';
import { z } from 'zod';

/**
 * What to do when another worker runs the thread: `wait` for it (bounded by `waitMs`), `reject`
 * at once with `LeaseBusyError`, or `queue`: like `wait`, but callers in this process take
 * their turns in arrival order (across processes, waiting callers race for the lease).
 */
export type ConversationLeasePolicy = 'wait' | 'reject' | 'queue';

export interface WithConversationLeaseOptions {
  /** @default 'wait' */
  policy?: ConversationLeasePolicy;
  /** Longest wait for the lease (`wait`, `queue`), then `LeaseBusyError`. @default 30000 */
  waitMs?: number;
  /** Lease TTL; renewed in the background every third of it while the run lasts. @default 30000 */
  ttlMs?: number;
  /**
   * The `configurable` key the fencing token is passed in, for the checkpointer to fence writes
   * (`RedisCheckpointSaver({ fencing: true })` of `@tristack/langgraph-redis` reads `fencing_token`).
   * @default 'fencing_token'
   */
  fencingTokenKey?: string;
  /**
   * The lease resource of a run.
   * @default `configurable.thread_id`; else, with `context.conversationId`, the context's tenant,
   * user and conversation as one key (two users' conversations of the same id never share a lease)
   */
  resource?: (config: LeasedRunConfig) => string | undefined;
}

const optionsSchema = z.object({
  policy: z.enum(['wait', 'reject', 'queue']).default('wait'),
  waitMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600_000)
    .default(30_000),
  ttlMs: z
    .number()
    .int()
    .min(10)
    .max(24 * 3600_000)
    .default(30_000),
  fencingTokenKey: z.string().min(1).default('fencing_token'),
});

/** The part of a compiled graph (or any Runnable) the lease wraps. */
export interface LeasableGraph<Input, Output, Chunk> {
  invoke(input: Input, config?: RunnableConfig): Promise<Output>;
  stream(input: Input, config?: RunnableConfig): Promise<AsyncIterable<Chunk>>;
}

/** A run's config as the leased graph takes it: a `createAgent` agent's run also takes its `context`. */
export type LeasedRunConfig = RunnableConfig & { context?: Record<string, unknown> };

/** A graph whose `invoke` and `stream` hold the thread's lease for the whole run. */
export interface LeasedGraph<Input, Output, Chunk> {
  readonly graph: LeasableGraph<Input, Output, Chunk>;
  invoke(input: Input, config?: LeasedRunConfig): Promise<Output>;
  /** The lease is held until the stream is consumed (or the loop breaks). */
  stream(input: Input, config?: LeasedRunConfig): Promise<AsyncIterable<Chunk>>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** `configurable.thread_id`, else the context's conversation, keyed with its tenant and user. */
function defaultResource(config: LeasedRunConfig): string | undefined {
  const thread = config.configurable?.thread_id as unknown;
  if (thread !== undefined) return thread as string;
  const context = (
    typeof config.context === 'object' && config.context !== null ? config.context : {}
  ) as Record<string, unknown>;
  const conversation = text(context.conversationId);
  if (conversation === undefined) return undefined;
  return compositeKey([
    ['tenant', text(context.tenantId)],
    ['user', text(context.userId)],
    ['conversation', conversation],
  ]);
}

interface Held {
  lease: Lease;
  keepAlive: LeaseKeepAlive;
  config: LeasedRunConfig;
  finish(): Promise<void>;
}

/**
 * Single writer per thread: every run of the wrapped graph first takes the `ConversationLease`
 * on its thread id, renews it while the run lasts and releases it after, so two workers never
 * run the same thread at once. The lease's fencing token goes into `configurable.fencing_token`
 * so a fencing checkpointer rejects the writes of a worker that lost its lease mid-run; the
 * run's `signal` aborts when the lease is lost.
 * @throws LeaseBusyError when the thread stays busy (at once with `reject`, after `waitMs` otherwise).
 * @throws LeaseLostError after a run that lost its lease (another worker took the thread over).
 */
export function withConversationLease<Input, Output, Chunk>(
  graph: LeasableGraph<Input, Output, Chunk>,
  lease: ConversationLease,
  options: WithConversationLeaseOptions = {},
): LeasedGraph<Input, Output, Chunk> {
  const { resource: resourceOf, ...rest } = options;
  const settings = parseOptions(optionsSchema, rest, { what: 'withConversationLease', driver: 'langchain' });
  const queues = new Map<string, Promise<void>>();

  const resource = (config: LeasedRunConfig): string => {
    const name = (resourceOf ?? defaultResource)(config);
    if (name === undefined)
      throw new InvalidInputError(
        'withConversationLease needs configurable.thread_id or context.conversationId',
        { driver: 'langchain' },
      );
    return parseInput(idSchema, name, { what: 'lease resource (thread id)', driver: 'langchain' });
  };

  /** In `queue` mode, waits for the earlier callers of this process on the same thread. */
  const takeTurn = async (name: string): Promise<() => void> => {
    if (settings.policy !== 'queue') return () => {};
    const previous = queues.get(name) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => mine);
    queues.set(name, tail);
    await previous;
    return () => {
      done();
      if (queues.get(name) === tail) queues.delete(name);
    };
  };

  const hold = async (config: LeasedRunConfig = {}): Promise<Held> => {
    const name = resource(config);
    const leaveQueue = await takeTurn(name);
    try {
      const held = await lease.acquire(name, {
        ttlMs: settings.ttlMs,
        waitMs: settings.policy === 'reject' ? 0 : settings.waitMs,
        ...(config.signal ? { signal: config.signal } : {}),
      });
      const keepAlive = lease.keepAlive(held);
      const signals = [keepAlive.signal, ...(config.signal ? [config.signal] : [])];
      const fenced: LeasedRunConfig = {
        ...config,
        signal: AbortSignal.any(signals),
        configurable: { ...config.configurable, [settings.fencingTokenKey]: held.fencingToken },
      };
      let finished = false;
      return {
        lease: held,
        keepAlive,
        config: fenced,
        finish: async () => {
          if (finished) return;
          finished = true;
          await keepAlive.stop();
          await lease.release(keepAlive.lease).catch(() => false);
          leaveQueue();
        },
      };
    } catch (error) {
      leaveQueue();
      throw error;
    }
  };

  /** A run that lost its lease must not look successful: its writes may have been fenced off. */
  const checkLost = (held: Held) => {
    if (held.keepAlive.signal.aborted) throw held.keepAlive.signal.reason;
  };

  return {
    graph,
    async invoke(input, config) {
      const held = await hold(config);
      try {
        const output = await graph.invoke(input, held.config);
        checkLost(held);
        return output;
      } catch (error) {
        if (held.keepAlive.signal.aborted) throw held.keepAlive.signal.reason;
        throw error;
      } finally {
        await held.finish();
      }
    },
    async stream(input, config) {
      const held = await hold(config);
      let source: AsyncIterable<Chunk>;
      try {
        source = await graph.stream(input, held.config);
      } catch (error) {
        await held.finish();
        throw error;
      }
      return (async function* leased() {
        try {
          yield* source;
          checkLost(held);
        } finally {
          await held.finish();
        }
      })();
    },
  };
}
