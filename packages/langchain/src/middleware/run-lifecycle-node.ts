import { createMiddleware, type AgentMiddleware } from 'langchain';
import { runIdentityContextSchema } from '../run-context.js';

type Hook = (state: unknown, runtime: unknown) => unknown;

/** A plain-function hook of a middleware whose context, if it reads one, is the run identity. */
function mergeableHook(middleware: AgentMiddleware, key: 'beforeAgent' | 'afterAgent'): Hook | undefined {
  const hook = middleware[key];
  if (typeof hook !== 'function') return undefined;
  const schema = middleware.contextSchema;
  return schema === undefined || schema === runIdentityContextSchema ? (hook as Hook) : undefined;
}

/** Runs `hooks` in order; a hook's state update (none of Tristack's returns one) is kept. */
function inSequence(hooks: readonly Hook[]): Hook {
  return async (state, runtime) => {
    let update: Record<string, unknown> | undefined;
    for (const hook of hooks) {
      const result = await hook(state, runtime);
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
 * throws stops the ones after it, as a failing node stops the graph. The merged node sits where
 * the first merged middleware was; a middleware left with nothing but its name is dropped.
 * @internal
 */
export function withOneLifecycleNode(stack: readonly AgentMiddleware[]): AgentMiddleware[] {
  const before = stack.flatMap((middleware) => mergeableHook(middleware, 'beforeAgent') ?? []);
  const after = stack.flatMap((middleware) => mergeableHook(middleware, 'afterAgent') ?? []).reverse();
  if (before.length <= 1 && after.length <= 1) return [...stack];
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
