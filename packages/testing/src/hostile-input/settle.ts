/** How long one hostile call may take before it counts as hung. */
const CALL_TIMEOUT_MS = 10_000;

/**
 * Runs `run` and resolves with what it threw (nothing when it succeeded), or with a timeout error
 * when it does not answer: a hostile value must end in an answer, never a hang or a synchronous throw.
 */
export async function settle(run: () => unknown, timeoutMs = CALL_TIMEOUT_MS): Promise<{ error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(run), hung]);
    return {};
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** An error's class and the start of its message, for a one-line problem report. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 160)}` : String(error);
}
