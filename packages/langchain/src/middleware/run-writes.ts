import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';

/** The part of a run's config that tells its conversation apart from another run's. */
interface RunConfig {
  control?: unknown;
  context?: { tenantId?: unknown; userId?: unknown; conversationId?: unknown };
  configurable?: { thread_id?: unknown };
}

/**
 * The current LangGraph run as a key: the object every node of the run shares (its `control`)
 * and the run's conversation (its context's tenant, user and conversation, and its thread), or
 * undefined outside a run. An app may pass one `control` (a `RunControl`) to several concurrent
 * runs: the conversation keeps runs of different conversations apart (one `RunControl` per run is
 * still what LangGraph expects).
 */
export function currentRun(): { control: object; conversation: string } | undefined {
  const config = AsyncLocalStorageProviderSingleton.getRunnableConfig() as RunConfig | undefined;
  const control = config?.control;
  if (typeof control !== 'object' || control === null) return undefined;
  const context = config?.context;
  const part = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? value : null);
  const conversation = JSON.stringify([
    part(context?.tenantId),
    part(context?.userId),
    part(context?.conversationId),
    part(config?.configurable?.thread_id),
  ]);
  return { control, conversation };
}

/** Values kept per run (see `currentRun`): per `control`, then per conversation. @internal */
export class PerRun<Value> {
  private readonly byControl = new WeakMap<object, Map<string, Value>>();

  /** The value of the current run, if any. */
  get(run: { control: object; conversation: string }): Value | undefined {
    return this.byControl.get(run.control)?.get(run.conversation);
  }

  has(run: { control: object; conversation: string }): boolean {
    return this.byControl.get(run.control)?.has(run.conversation) ?? false;
  }

  set(run: { control: object; conversation: string }, value: Value): void {
    let values = this.byControl.get(run.control);
    if (!values) this.byControl.set(run.control, (values = new Map()));
    values.set(run.conversation, value);
  }

  delete(run: { control: object; conversation: string }): void {
    const values = this.byControl.get(run.control);
    values?.delete(run.conversation);
    if (values?.size === 0) this.byControl.delete(run.control);
  }
}

/**
 * Writes of one agent run awaited later than they are sent. `productionMiddleware` creates one
 * when audit is configured with memory or the cache:
 *
 * - the response-cache store of a model call is deferred here and awaited by the audit middleware
 *   together with that call's audit record (one round trip), before the call returns — so a failed
 *   store or (with audit `onError: 'throw'`) a failed record fails the call before memory appends
 *   the turn;
 * - with memory and an audit `onError` other than `'throw'` (a record that cannot fail the run),
 *   the record of an answer that ends the turn is deferred to the end of the run: the memory
 *   middleware's `afterAgent` awaits it with its append.
 *
 * Order is kept: each driver sends its commands on one connection, which Redis executes in the
 * order sent. A run that throws before its end leaves its deferred records unawaited (they still
 * reach Redis). Writes are kept per run and conversation (`currentRun`).
 * @internal Not exported from the package.
 */
export class RunWrites {
  private readonly pending = new PerRun<Promise<unknown>[]>();

  /**
   * Defers `write` to a later `settle` of the current run. Outside a run there is none: returns
   * false and the caller awaits `write` itself.
   */
  defer(write: Promise<unknown>): boolean {
    const run = currentRun();
    if (!run) return false;
    // Observed here so a run that never settles does not leave an unhandled rejection.
    write.catch(() => {});
    const writes = this.pending.get(run);
    if (writes) writes.push(write);
    else this.pending.set(run, [write]);
    return true;
  }

  /** Drops what an earlier run with the same key left deferred (it ended before settling). */
  forget(): void {
    const run = currentRun();
    if (run) this.pending.delete(run);
  }

  /** Awaits the current run's deferred writes with `also` (in one round trip): the first failure throws. */
  async settle(...also: Promise<unknown>[]): Promise<void> {
    const run = currentRun();
    const writes = run ? (this.pending.get(run) ?? []) : [];
    if (run) this.pending.delete(run);
    // Every write is awaited (none left to reject unobserved); the earliest failure is thrown.
    const results = await Promise.allSettled([...writes, ...also]);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
