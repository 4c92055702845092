import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, InvalidOptionsError, TristackError } from './errors.js';

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
  });
});
