import { describe, expect, it } from 'vitest';
import { AbortedError } from './aborted-error.js';
import { BackendUnavailableError } from './backend-unavailable-error.js';
import { InvalidInputError } from './invalid-input-error.js';
import { InvalidOptionsError } from './invalid-options-error.js';
import { TristackError } from './tristack-error.js';

describe('TristackError', () => {
  it('carries a code, the driver in its message, and its cause', () => {
    const cause = new Error('socket closed');
    const error = new BackendUnavailableError('cannot reach Redis', { driver: 'redis', cause });
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toBe('[tristack] [redis] cannot reach Redis');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('BackendUnavailableError');
    expect(error).toBeInstanceOf(TristackError);
  });

  it('is recognised across copies of the package by its marker, not by instanceof', () => {
    const foreign = Object.create(Error.prototype) as Record<symbol, unknown>;
    foreign[Symbol.for('tristack.error')] = true;
    expect(TristackError.isInstance(foreign)).toBe(true);
    expect(TristackError.isInstance(new Error('plain'))).toBe(false);
    expect(TristackError.isInstance(new InvalidOptionsError('bad'))).toBe(true);
    expect(TristackError.isInstance(null)).toBe(false);
    expect(TristackError.isInstance('[tristack] a string')).toBe(false);
  });

  it('tells subclasses apart: a guard accepts its own class only (the base accepts all)', () => {
    const input = new InvalidInputError('bad input');
    expect(InvalidInputError.isInstance(input)).toBe(true);
    expect(InvalidOptionsError.isInstance(input)).toBe(false);
    expect(BackendUnavailableError.isInstance(input)).toBe(false);
    expect(AbortedError.isInstance(input)).toBe(false);
    expect(InvalidInputError.isInstance(new TristackError('INVALID_INPUT', 'same code, base class'))).toBe(
      false,
    );
  });

  it('a marker with a value other than true does not count', () => {
    const forged = { [Symbol.for('tristack.error')]: 'yes', [Symbol.for('tristack.error.AbortedError')]: 1 };
    expect(TristackError.isInstance(forged)).toBe(false);
    expect(AbortedError.isInstance(forged)).toBe(false);
  });

  it('hasCode checks the marker and the code', () => {
    const aborted = new AbortedError('stopped', { driver: 'memory' });
    expect(aborted.code).toBe('ABORTED');
    expect(TristackError.hasCode(aborted, 'ABORTED')).toBe(true);
    expect(TristackError.hasCode(aborted, 'TIMEOUT')).toBe(false);
    expect(TristackError.hasCode(Object.assign(new Error('x'), { code: 'ABORTED' }), 'ABORTED')).toBe(false);
  });
});
