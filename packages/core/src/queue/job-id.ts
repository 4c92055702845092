import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../errors.js';
import { validateId } from '../ids.js';

const UNIQUE_PART = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A new job id: `<queue name>:<uuid>`. The name travels inside the id so `result(jobId)` and
 * `cancel(jobId)` find the job's keys (and its cluster slot) from the id alone.
 */
export function newJobId(name: string): string {
  return `${name}:${randomUUID()}`;
}

/** Splits a job id into its queue name and unique part; throws `InvalidInputError` when malformed. */
export function parseJobId(jobId: unknown, driver: string): { name: string; unique: string } {
  const text = typeof jobId === 'string' ? jobId : '';
  // The unique part never holds ':', so the last one separates it even when the name has some.
  const separator = text.lastIndexOf(':');
  const unique = text.slice(separator + 1);
  if (separator <= 0 || !UNIQUE_PART.test(unique)) {
    throw new InvalidInputError(`invalid jobId: expected '<name>:<uuid>' as returned by enqueue()`, {
      driver,
      issues: [{ path: ['jobId'], message: 'malformed job id' }],
    });
  }
  return { name: validateId(text.slice(0, separator), 'jobId name', driver), unique };
}
