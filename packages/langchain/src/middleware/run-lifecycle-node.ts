import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import { createMiddleware, type AgentMiddleware } from 'langchain';
import { runIdentityContextSchema } from '../run-context.js';

type Hook = (state: unknown, runtime: unknown) => unknown;

/**
 * A plain-function hook of a middleware with no state of its own (the merged node sees only the
 * agent's built-in state) whose context, if it reads one, is the run identity.
 */
function mergeableHook(middleware: AgentMiddleware, key: 'beforeAgent' | 'afterAgent'): Hook | undefined {
  const hook = middleware[key];
  if (typeof hook !== 'function' || middleware.stateSchema !== undefined) return undefined;
  const schema = middleware.contextSchema;
  return schema === undefined || schema === runIdentityContextSchema ? (hook as Hook) : undefined;
}

/**
 * The run's whole context, as a model-call hook sees it: a start or end node passes its hooks only
 * the keys its `contextSchema` names, which would hide the keys a custom identity resolver reads.
 */
function withWholeContext(runtime: unknown): unknown {
  const config = AsyncLocalStorageProviderSingleton.getRunnableConfig() as { context?: unknown } | undefined;
  const whole = config?.context;
  if (typeof whole !== 'object' || whole === null) return runtime;
  const base = runtime as { context?: object };
  const context = Object.freeze({ ...runIdentityContextSchema.parse(whole), ...base.context });
  return Object.freeze({ ...base, context });
}

/** Runs `hooks` in order; a hook's state update (none of Tristack's returns one) is kept. */
function inSequence(hooks: readonly Hook[]): Hook {
  return async (state, runtime) => {
    const run = withWholeContext(runtime);
    let update: Record<string, unknown> | undefined;
    for (const hook of hooks) {
      const result = await hook(state, run);
      if (result && typeof result === 'object') update = { ...update, ...(result as object) };
    }
    return update;
  };
}

/**
 * The stack with its `beforeAgent` hooks run in one graph node and its `afterAgent` hooks in
 * another, in the order LangGraph would run them (`beforeAgent` in stack order, `afterAgent` in
 * reverse). Each hook is a node of its own otherwise, and a node costs a LangGraph step (≈ 0.5–0.8
 * ms on 2 cores): three `beforeAgent` and two `afterAgent` hooks cost ≈ 2 ms a run. A hook that
 * throws stops the ones after it, as a failing node stops the graph. The merged hooks see the run's
 * whole context (parsed by the run-identity schema), as model-call hooks do. The merged node sits
 * where the first merged middleware was; a middleware left with nothing but its name is dropped.
 * @internal
 */
export function withOneLifecycleNode(stack: readonly AgentMiddleware[]): AgentMiddleware[] {
  const before = stack.flatMap((middleware) => mergeableHook(middleware, 'beforeAgent') ?? []);
  const after = stack.flatMap((middleware) => mergeableHook(middleware, 'afterAgent') ?? []).reverse();
  // Merged even when there is one hook of each kind: two stacks in one agent then clash on the
  // node's name, as LangChain reports ("defined multiple times"), instead of half-merging.
  if (before.length === 0 && after.length === 0) return [...stack];
  const merged: AgentMiddleware[] = [];
  let placed = false;
  for (const middleware of stack) {
    const takeBefore = mergeableHook(middleware, 'beforeAgent') !== undefined;
    const takeAfter = mergeableHook(middleware, 'afterAgent') !== undefined;
    if (!takeBefore && !takeAfter) {
      merged.push(middleware);
      continue;
    }
    if (!placed) {
      placed = true;
      merged.push(
        createMiddleware({
          name: 'TristackRun',
          contextSchema: runIdentityContextSchema,
          ...(before.length > 0 ? { beforeAgent: inSequence(before) as never } : {}),
          ...(after.length > 0 ? { afterAgent: inSequence(after) as never } : {}),
        }) as AgentMiddleware,
      );
    }
    const rest = { ...middleware } as AgentMiddleware & Record<string, unknown>;
    if (takeBefore) delete rest.beforeAgent;
    if (takeAfter) delete rest.afterAgent;
    const left = Object.entries(rest).some(
      ([key, value]) => value !== undefined && key !== 'name' && key !== 'contextSchema',
    );
    if (left) merged.push(rest);
  }
  return merged;
}
