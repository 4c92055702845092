import { TristackTelemetry } from '@tristack/core/driver-kit';

/** Kept equal to package.json's version (a test checks it). */
export const LANGCHAIN_PACKAGE_VERSION = '0.1.0';

/** `@tristack/langchain`'s tracer and meter (no-ops until the app registers an OpenTelemetry SDK). */
export const langchainTelemetry = new TristackTelemetry('@tristack/langchain', LANGCHAIN_PACKAGE_VERSION);

/** The provider of a chat model as LangChain names it (`openai`, `anthropic`…), when it says. */
export function providerName(model: unknown): string | undefined {
  const candidate = model as { bound?: unknown; _llmType?: () => string } | undefined;
  if (candidate?.bound) return providerName(candidate.bound);
  if (typeof candidate?._llmType !== 'function') return undefined;
  try {
    return candidate._llmType();
  } catch {
    return undefined;
  }
}
