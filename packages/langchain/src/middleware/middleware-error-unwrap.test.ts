import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { CircuitOpenError, InMemoryCircuitBreaker, TristackError, unwrapTristackError } from '@tristack/core';
import { circuitBreakerMiddleware } from './circuit-breaker-middleware.js';

describe('unwrapTristackError on a LangChain agent run', () => {
  it('finds the CircuitOpenError a middleware threw under LangChain’s MiddlewareError', async () => {
    const breaker = new InMemoryCircuitBreaker({
      consecutiveFailures: 1,
      failureRateThreshold: null,
      openMs: 60_000,
    });
    await breaker
      .execute('model:primary', () => Promise.reject(new Error('provider answered 503')))
      .catch(() => {});
    const model = fakeModel().respond(new AIMessage('never served'));
    const agent = createAgent({
      model,
      middleware: [circuitBreakerMiddleware({ breaker, name: () => 'model:primary' })],
    });

    const error = await agent.invoke({ messages: [new HumanMessage('hi')] }).then(
      () => undefined,
      (reason: unknown) => reason,
    );

    // LangChain wraps it and takes its name: the thrown value itself is not a Tristack error.
    expect(TristackError.isInstance(error)).toBe(false);
    expect((error as Error).name).toBe('CircuitOpenError');
    const unwrapped = unwrapTristackError(error);
    expect(CircuitOpenError.isInstance(unwrapped)).toBe(true);
    expect((unwrapped as CircuitOpenError).breakerName).toBe('model:primary');
    expect(unwrapped?.code).toBe('CIRCUIT_OPEN');
    expect(model.callCount).toBe(0);
    await breaker.close();
  });
});
