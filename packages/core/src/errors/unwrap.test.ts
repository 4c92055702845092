import { describe, expect, it } from 'vitest';
import { AbortedError } from './aborted-error.js';
import { InvalidInputError } from './invalid-input-error.js';
import { unwrapTristackError } from './unwrap.js';

/** The shape LangChain's `MiddlewareError` has: renamed after the original, which it keeps on `cause`. */
function middlewareError(original: Error): Error {
  const wrapper = new Error(original.message, { cause: original });
  wrapper.name = original.name;
  return wrapper;
}

describe('unwrapTristackError', () => {
  it('returns a Tristack error itself', () => {
    const error = new AbortedError('stopped');
    expect(unwrapTristackError(error)).toBe(error);
  });

  it('finds the Tristack error under wrappers on cause', () => {
    const original = new InvalidInputError('bad');
    const wrapped = new Error('outer', { cause: middlewareError(original) });
    expect(unwrapTristackError(wrapped)).toBe(original);
  });

  it("follows LangChain's ToolInvocationError (original on toolError)", () => {
    const original = new AbortedError('tool aborted');
    const invocation = Object.assign(new Error('Error invoking tool'), { toolError: original });
    expect(unwrapTristackError(invocation)).toBe(original);
  });

  it('returns the outermost Tristack error of the chain', () => {
    const inner = new AbortedError('inner');
    const outer = new InvalidInputError('outer', { cause: inner });
    expect(unwrapTristackError(new Error('wrap', { cause: outer }))).toBe(outer);
  });

  it('is undefined for chains without one, and for non-errors', () => {
    expect(unwrapTristackError(new Error('a', { cause: new Error('b') }))).toBeUndefined();
    for (const value of [undefined, null, 'text', 42, {}]) expect(unwrapTristackError(value)).toBeUndefined();
  });

  it('stops on a cycle', () => {
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    (first as { cause?: unknown }).cause = second;
    expect(unwrapTristackError(first)).toBeUndefined();
  });

  it('gives up past a bounded depth', () => {
    const original = new AbortedError('deep');
    const chain = (depth: number): Error => {
      let error: Error = original;
      for (let index = 0; index < depth; index += 1) error = new Error(`wrap ${index}`, { cause: error });
      return error;
    };
    expect(unwrapTristackError(chain(10))).toBe(original);
    expect(unwrapTristackError(chain(1_000))).toBeUndefined();
  });

  it('recognises a Tristack error from another copy of the package by its marker', () => {
    const foreign = Object.assign(Object.create(Error.prototype) as object, {
      [Symbol.for('tristack.error')]: true,
    });
    expect(unwrapTristackError(new Error('wrap', { cause: foreign }))).toBe(foreign);
  });
});
