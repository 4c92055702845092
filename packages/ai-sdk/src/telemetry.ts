import { TristackTelemetry } from '@tristack/core/driver-kit';

/** Kept equal to package.json's version (a test checks it). */
export const AI_SDK_PACKAGE_VERSION = '0.1.0';

/** `@tristack/ai-sdk`'s tracer and meter (no-ops until the app registers an OpenTelemetry SDK). */
export const aiSdkTelemetry = new TristackTelemetry('@tristack/ai-sdk', AI_SDK_PACKAGE_VERSION);

/**
 * The provider a model names (`openai.chat` → `openai`), for `gen_ai.provider.name`: the part
 * before the first dot, as the conventions name providers without the API flavour.
 */
export function providerName(provider: string | undefined): string | undefined {
  const name = provider?.split('.')[0];
  return name ? name : undefined;
}
