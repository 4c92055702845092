import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';

/** One id per LangGraph run, keyed on the run's own `control` object (freed with the run). */
const mintedRunIds = new WeakMap<object, string>();

interface AmbientConfig {
  metadata?: Record<string, unknown>;
  control?: unknown;
}

/** The server's run id, or the id minted for the run `control` belongs to. */
function runIdOf(config: AmbientConfig | undefined): string | undefined {
  const serverRunId = config?.metadata?.['run_id'];
  if (typeof serverRunId === 'string' && serverRunId.length > 0) return serverRunId;
  const run = config?.control;
  if (typeof run !== 'object' || run === null) return undefined;
  let runId = mintedRunIds.get(run);
  if (runId === undefined) {
    runId = globalThis.crypto.randomUUID();
    mintedRunIds.set(run, runId);
  }
  return runId;
}

/**
 * The id of the LangGraph run the caller is inside, for a run whose context names none:
 * `metadata.run_id` when the server set one (LangGraph Platform / Agent Server), else an id
 * minted once per `invoke` / `stream` call. LangGraph gives its nodes no run id of its own (the
 * `runId` passed to `invoke` reaches callback handlers only), but every node of one call shares
 * the call's `control` object, so keying on it makes every model call, tool call and middleware
 * step of a `createAgent` run carry the same id. Read from `config` when given (a tool's config
 * has `control`, its ambient one not), else from the ambient runnable config. Undefined outside
 * a run, or on a LangGraph without `control`.
 */
export function langGraphRunId(config?: object): string | undefined {
  return (
    runIdOf(config as AmbientConfig | undefined) ??
    runIdOf(AsyncLocalStorageProviderSingleton.getRunnableConfig() as AmbientConfig | undefined)
  );
}
