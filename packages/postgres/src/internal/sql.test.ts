import { BackendUnavailableError, TristackError } from '@tristack/core';
import { describe, expect, it } from 'vitest';
import { toBackendError } from './sql.js';

describe('toBackendError', () => {
  it('prefixes a driver error once', () => {
    const error = toBackendError(new Error('connect ECONNREFUSED 127.0.0.1:1'), 'migrate');
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toBe('[tristack] [postgres] migrate failed: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('does not double the prefix of a Tristack message that lost its class', () => {
    // What a BackendUnavailableError becomes after a structured clone: a plain Error with the same message.
    const cloned = new Error('[tristack] [postgres] tristack.tristack.memory.append failed: boom');
    const error = toBackendError(cloned, 'LISTEN channel');
    expect(error.message).toBe(
      '[tristack] [postgres] LISTEN channel failed: tristack.tristack.memory.append failed: boom',
    );
    expect(error.message.match(/\[tristack\]/g)).toHaveLength(1);
  });

  it('returns a Tristack error as it is', () => {
    const original = new BackendUnavailableError('down', { driver: 'postgres' });
    expect(toBackendError(original, 'x')).toBe(original);
    expect(TristackError.isInstance(toBackendError('text', 'y'))).toBe(true);
  });

  it('hints at migrate() when the table or schema is missing', () => {
    const missing = Object.assign(new Error('relation "x.y" does not exist'), { code: '42P01' });
    expect(toBackendError(missing, 'select').message).toContain('did `migrate(pool)` run');
  });
});
