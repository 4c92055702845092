import { stampRetryable } from '@langchain/core/errors';
import { createMiddleware } from 'langchain';
import { z } from 'zod';
import { CircuitOpenError, type CircuitBreaker } from '@tristack/core';
import { TelemetryAttribute as A, TelemetryEventName, recordingSpan } from '@tristack/core/driver-kit';
import { modelName } from '../model-identity.js';
import { langchainTelemetry } from '../telemetry.js';
import { functionOption, instanceOption, parseMiddlewareOptions } from './middleware-option-schemas.js';

/** Breaker name of a model call. */
export const defaultModelBreakerName = (model: unknown): string => `model:${modelName(model)}`;

export const circuitBreakerMiddlewareOptionsSchema = z.strictObject({
  breaker: instanceOption<CircuitBreaker>('breaker', ['execute']),
  /**
   * The breaker name of a model.
   * @default `model:<model id>`
   */
  name: functionOption<(model: unknown) => string>('name').default(() => defaultModelBreakerName),
  /** Guard tool calls too, one breaker per tool (`tool:<name>`). @default false */
  tools: z.boolean().default(false),
});
export type CircuitBreakerMiddlewareOptions = z.input<typeof circuitBreakerMiddlewareOptionsSchema>;

/** A refused call: a `tristack.circuit_breaker.rejected` event on the active span, and counted. */
function recordRejection(error: CircuitOpenError): void {
  const attributes = {
    [A.breakerName]: error.breakerName,
    [A.breakerState]: error.state,
    [A.breakerReason]: error.reason,
  };
  langchainTelemetry.instruments.breakerRejections.add(1, attributes);
  recordingSpan()?.addEvent(TelemetryEventName.breakerRejected, attributes);
}

/** Runs `fn` through the breaker; an open breaker throws a `CircuitOpenError` stamped non-retryable. */
export async function throughBreaker<T>(
  breaker: CircuitBreaker,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await breaker.execute(name, fn);
  } catch (error) {
    if (CircuitOpenError.isInstance(error)) {
      stampRetryable(error, false);
      recordRejection(error);
    }
    throw error;
  }
}

/**
 * A fleet-wide circuit breaker per provider/model: a call on an open breaker fails fast with a
 * non-retryable `CircuitOpenError` (retry layers must not loop on it; a fallback may move on).
 */
export function circuitBreakerMiddleware(input: CircuitBreakerMiddlewareOptions) {
  const options = parseMiddlewareOptions(
    circuitBreakerMiddlewareOptionsSchema,
    input,
    'circuitBreakerMiddleware',
  );
  const nameOf = options.name;
  return createMiddleware({
    name: 'TristackCircuitBreaker',
    wrapModelCall: (request, handler) =>
      throughBreaker(options.breaker, nameOf(request.model), async () => handler(request)),
    ...(options.tools
      ? {
          wrapToolCall: (request, handler) =>
            throughBreaker(options.breaker, `tool:${request.toolCall.name}`, async () => handler(request)),
        }
      : {}),
  });
}
