// One hostile-value table for every state-layer driver (in-memory, Redis, Postgres): the cases use only
// the core interfaces, so each driver's test runs the same table through describeHostileInput.
import type { CircuitPermit, Lease, TokenStreamWriter } from '@tristack/core';
import type { HostileValueName } from './hostile-values.js';
import type { StateDrivers } from './state-drivers.js';

/**
 * One argument position of one public API. Every hostile value must end in a typed
 * `TristackError` with nothing changed, except the values in `accepts`: those are valid there
 * (documented) and must succeed.
 */
export interface HostileCase {
  readonly api: string;
  readonly position: string;
  readonly accepts?: readonly HostileValueName[];
  /** Values to try instead of the standard list (for the specific findings). */
  readonly values?: readonly { name: string; value: () => unknown }[];
  /** State the call needs (a lease, a job, an open stream), created before the "before" dump. */
  readonly setup?: (drivers: StateDrivers) => Promise<unknown>;
  readonly call: (drivers: StateDrivers, value: unknown, context: unknown) => Promise<unknown>;
}

// Hostile values reach typed parameters on purpose: the table calls the APIs as untyped JavaScript would.
type Loose = never;

const address = { userId: 'u', conversationId: 'c' };
const user = (content: unknown) => ({ role: 'user', content }) as Loose;
const cacheRequest = (overrides: Record<string, unknown> = {}) =>
  ({ tenant: 't', model: 'm', messages: [user('What are the opening hours?')], ...overrides }) as Loose;
const answer = { content: 'Nine to five.' };
/** JSON values are valid in a free JSON position; only what JSON cannot carry, or too much of it, is not. */
const JSON_SCALARS: HostileValueName[] = ['1e308', '2^53', '-1', '0', "''", 'wrong type'];

let counter = 0;
const fresh = (label: string) => `${label}-${++counter}`;

async function openWriter(drivers: StateDrivers): Promise<TokenStreamWriter> {
  // No heartbeat: a timer writing between the two dumps would look like a partial write.
  return drivers.stream.open(fresh('s'), { heartbeatIntervalMs: 0, coalesceMs: 0 });
}

export const HOSTILE_CASES: readonly HostileCase[] = [
  // ---- conversation memory -------------------------------------------------------------------
  { api: 'memory.append', position: 'address', call: (d, v) => d.memory.append(v as Loose, [user('hi')]) },
  {
    api: 'memory.append',
    position: 'address.userId',
    call: (d, v) => d.memory.append({ userId: v, conversationId: 'c' } as Loose, [user('hi')]),
  },
  { api: 'memory.append', position: 'messages', call: (d, v) => d.memory.append(address, v as Loose) },
  {
    api: 'memory.append',
    position: 'message.content',
    accepts: ["''"],
    call: (d, v) => d.memory.append(address, [user(v)]),
  },
  {
    api: 'memory.append',
    position: 'message.metadata',
    call: (d, v) => d.memory.append(address, [{ role: 'user', content: 'x', metadata: v } as Loose]),
  },
  {
    api: 'memory.append',
    position: 'message.metadata.value',
    accepts: JSON_SCALARS,
    call: (d, v) => d.memory.append(address, [{ role: 'user', content: 'x', metadata: { v } } as Loose]),
  },
  {
    api: 'memory.append',
    position: 'message.toolCalls.args',
    call: (d, v) =>
      d.memory.append(address, [
        { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'f', args: v }] } as Loose,
      ]),
  },
  { api: 'memory.read', position: 'address', call: (d, v) => d.memory.read(v as Loose) },
  {
    api: 'memory.read',
    position: 'options.last',
    call: (d, v) => d.memory.read(address, { last: v } as Loose),
  },
  {
    api: 'memory.read',
    position: 'options.maxTokens',
    accepts: ['0'],
    call: (d, v) => d.memory.read(address, { maxTokens: v } as Loose),
  },
  {
    api: 'memory.read',
    position: 'options.before',
    call: (d, v) => d.memory.read(address, { before: v } as Loose),
  },
  {
    api: 'memory.clear',
    position: 'address.conversationId',
    call: (d, v) => d.memory.clear({ userId: 'u', conversationId: v } as Loose),
  },
  { api: 'memory.deleteUser', position: 'user', call: (d, v) => d.memory.deleteUser(v as Loose) },

  // ---- lease ---------------------------------------------------------------------------------
  { api: 'lease.acquire', position: 'resource', call: (d, v) => d.lease.acquire(v as Loose) },
  {
    api: 'lease.acquire',
    position: 'options.ttlMs',
    call: (d, v) => d.lease.acquire(fresh('r'), { ttlMs: v } as Loose),
  },
  {
    api: 'lease.acquire',
    position: 'options.waitMs',
    accepts: ['0'],
    call: (d, v) => d.lease.acquire(fresh('r'), { waitMs: v } as Loose),
  },
  ...(['renew', 'release'] as const).flatMap((method): HostileCase[] => [
    {
      api: `lease.${method}`,
      position: 'lease',
      call: (d, v) => (method === 'renew' ? d.lease.renew(v as Loose) : d.lease.release(v as Loose)),
    },
    {
      api: `lease.${method}`,
      position: 'lease.fencingToken',
      setup: (d) => d.lease.acquire(fresh('r')),
      call: (d, v, lease) => {
        const forged = { ...(lease as Lease), fencingToken: v } as Loose;
        return method === 'renew' ? d.lease.renew(forged) : d.lease.release(forged);
      },
    },
    {
      api: `lease.${method}`,
      position: 'lease.holderId',
      setup: (d) => d.lease.acquire(fresh('r')),
      call: (d, v, lease) => {
        const forged = { ...(lease as Lease), holderId: v } as Loose;
        return method === 'renew' ? d.lease.renew(forged) : d.lease.release(forged);
      },
    },
  ]),
  {
    api: 'lease.renew',
    position: 'options.ttlMs',
    setup: (d) => d.lease.acquire(fresh('r')),
    call: (d, v, lease) => d.lease.renew(lease as Lease, { ttlMs: v } as Loose),
  },

  // ---- rate limiter --------------------------------------------------------------------------
  { api: 'limiter.limit', position: 'key', call: (d, v) => d.limiter.limit(v as Loose) },
  {
    api: 'limiter.limit',
    position: 'key.scope id',
    call: (d, v) => d.limiter.limit({ default: v } as Loose),
  },
  {
    api: 'limiter.limit',
    position: 'options.cost',
    call: (d, v) => d.limiter.limit('victim', { cost: v } as Loose),
  },
  {
    api: 'limiter.reconcile',
    position: 'options.reserved',
    accepts: ['0'],
    call: (d, v) => d.limiter.reconcile('victim', { reserved: v, actual: 1 } as Loose),
  },
  {
    api: 'limiter.reconcile',
    position: 'options.actual',
    accepts: ['0'],
    call: (d, v) => d.limiter.reconcile('victim', { reserved: 1, actual: v } as Loose),
  },
  {
    api: 'limiter.reconcile',
    position: 'options.actual (issue: 1e9 on a slow bucket)',
    values: [{ name: '1e9', value: () => 1e9 }],
    call: (d, v) => d.limiter.reconcile('victim', { reserved: 0, actual: v } as Loose),
  },
  {
    api: 'limiter.reconcile',
    position: 'options.checkedAt',
    accepts: ['0'],
    call: (d, v) => d.limiter.reconcile('victim', { reserved: 1, actual: 1, checkedAt: v } as Loose),
  },

  // ---- circuit breaker -----------------------------------------------------------------------
  { api: 'breaker.execute', position: 'name', call: (d, v) => d.breaker.execute(v as Loose, () => 1) },
  {
    api: 'breaker.record',
    position: 'outcome',
    setup: (d) => d.breaker.acquire(fresh('b')),
    call: (d, v, acquired) => d.breaker.record(permitOf(acquired), v as Loose),
  },
  {
    api: 'breaker.record',
    position: 'outcome.durationMs',
    // A duration is any finite, non-negative number of ms.
    accepts: ['0', '1e308', '2^53'],
    setup: (d) => d.breaker.acquire(fresh('b')),
    call: (d, v, acquired) =>
      d.breaker.record(permitOf(acquired), { status: 'success', durationMs: v } as Loose),
  },
  {
    api: 'breaker.record',
    position: 'permit.name',
    setup: (d) => d.breaker.acquire(fresh('b')),
    call: (d, v, acquired) =>
      d.breaker.record({ ...permitOf(acquired), name: v } as Loose, { status: 'success' }),
  },

  // ---- queue ---------------------------------------------------------------------------------
  { api: 'queue.enqueue', position: 'name', call: (d, v) => d.queue.enqueue(v as Loose, {}) },
  {
    api: 'queue.enqueue',
    position: 'payload',
    accepts: JSON_SCALARS,
    call: (d, v) => d.queue.enqueue('jobs', v as Loose),
  },
  {
    api: 'queue.enqueue',
    position: 'options.delayMs',
    accepts: ['0'],
    call: (d, v) => d.queue.enqueue('jobs', {}, { delayMs: v } as Loose),
  },
  {
    api: 'queue.enqueue',
    position: 'options.priority',
    accepts: ['0'],
    call: (d, v) => d.queue.enqueue('jobs', {}, { priority: v } as Loose),
  },
  {
    api: 'queue.enqueue',
    position: 'options.maxAttempts',
    call: (d, v) => d.queue.enqueue('jobs', {}, { maxAttempts: v } as Loose),
  },
  { api: 'queue.result', position: 'jobId', call: (d, v) => d.queue.result(v as Loose, { timeoutMs: 0 }) },
  {
    api: 'queue.result',
    position: 'options.timeoutMs',
    // 0 is a valid timeout: the wait for a job nobody runs ends at once with a typed TIMEOUT.
    setup: (d) => d.queue.enqueue('jobs', {}),
    call: (d, v, jobId) => d.queue.result(jobId as string, { timeoutMs: v } as Loose),
  },
  { api: 'queue.cancel', position: 'jobId', call: (d, v) => d.queue.cancel(v as Loose) },
  {
    api: 'queue.cancel',
    position: 'reason',
    accepts: ["''"],
    setup: (d) => d.queue.enqueue('jobs', {}),
    call: (d, v, jobId) => d.queue.cancel(jobId as string, v as Loose),
  },

  // ---- token stream --------------------------------------------------------------------------
  { api: 'stream.open', position: 'streamId', call: (d, v) => d.stream.open(v as Loose) },
  {
    api: 'stream.open',
    position: 'options.ttlMs',
    call: (d, v) => d.stream.open(fresh('s'), { ttlMs: v } as Loose),
  },
  {
    api: 'stream.write',
    position: 'chunk',
    // Any string is a chunk, the empty one included.
    accepts: ["''", '1 MiB string'],
    setup: openWriter,
    call: async (_, v, writer) => {
      await (writer as TokenStreamWriter).write(v as Loose);
      await (writer as TokenStreamWriter).flush();
    },
  },
  { api: 'stream.read', position: 'streamId', call: (d, v) => d.stream.read(v as Loose).next() },
  {
    api: 'stream.read',
    position: 'options.after',
    setup: async (d) => {
      const writer = await openWriter(d);
      await writer.end('done');
      return writer.streamId;
    },
    call: (d, v, streamId) => d.stream.read(streamId as string, { after: v } as Loose).next(),
  },

  // ---- broadcast -----------------------------------------------------------------------------
  { api: 'broadcast.publish', position: 'channel', call: (d, v) => d.broadcast.publish(v as Loose, 'm') },
  {
    api: 'broadcast.publish',
    position: 'message',
    // Any string up to 1 MiB is a message.
    accepts: ["''", '1 MiB string'],
    call: (d, v) => d.broadcast.publish('news', v as Loose),
  },

  // ---- audit log -----------------------------------------------------------------------------
  { api: 'audit.record', position: 'event', call: (d, v) => d.audit.record(v as Loose) },
  {
    api: 'audit.record',
    position: 'event.tenantId',
    call: (d, v) => d.audit.record({ type: 'custom.note', layer: 'state', tenantId: v, data: {} } as Loose),
  },
  {
    api: 'audit.record',
    position: 'event.data',
    // An object: deep and cyclic ones are stored truncated (see event.data.value).
    accepts: ['depth 10,000', 'circular'],
    call: (d, v) => d.audit.record({ type: 'custom.note', layer: 'state', data: v } as Loose),
  },
  {
    api: 'audit.record',
    position: 'event.data.value',
    // Documented: the redactor stores any value as plain JSON — non-finite numbers as text, cycles
    // as "[CIRCULAR]", nesting past its maxDepth (32) as "[TRUNCATED]", an invalid Date and a
    // sparse array's holes as null (as JSON.stringify does). Only size and unreadable values are refused.
    accepts: [
      'NaN',
      '+Infinity',
      '-Infinity',
      ...JSON_SCALARS,
      'depth 10,000',
      'circular',
      'Invalid Date',
      'sparse array',
    ],
    call: (d, v) => d.audit.record({ type: 'custom.note', layer: 'state', data: { v } } as Loose),
  },
  { api: 'audit.query', position: 'options.limit', call: (d, v) => d.audit.query({ limit: v } as Loose) },
  { api: 'audit.query', position: 'options.cursor', call: (d, v) => d.audit.query({ cursor: v } as Loose) },
  {
    api: 'audit.query',
    position: 'options.cursor (issue: 23 digits)',
    values: [{ name: "'99999999999999999999999-0'", value: () => '99999999999999999999999-0' }],
    call: (d, v) => d.audit.query({ cursor: v } as Loose),
  },

  // ---- semantic cache ------------------------------------------------------------------------
  { api: 'cache.lookup', position: 'request', call: (d, v) => d.cache.lookup(v as Loose) },
  {
    api: 'cache.lookup',
    position: 'request.tenant',
    call: (d, v) => d.cache.lookup(cacheRequest({ tenant: v })),
  },
  {
    api: 'cache.lookup',
    position: 'request.messages[0].content',
    accepts: ["''", '1 MiB string'],
    call: (d, v) => d.cache.lookup(cacheRequest({ messages: [user(v)] })),
  },
  {
    api: 'cache.lookup',
    position: 'request.sampling.value',
    accepts: [...JSON_SCALARS, '1 MiB string'],
    call: (d, v) => d.cache.lookup(cacheRequest({ sampling: { seed: v } })),
  },
  {
    api: 'cache.lookup',
    position: 'request.messages (issue: 1e6 messages)',
    values: [{ name: '1e6 messages', value: () => Array.from({ length: 1_000_000 }, () => user('hi')) }],
    call: (d, v) => d.cache.lookup(cacheRequest({ messages: v })),
  },
  {
    api: 'cache.store',
    position: 'response',
    call: (d, v) => d.cache.store(cacheRequest(), v as Loose),
  },
  {
    api: 'cache.store',
    position: 'response.payload',
    accepts: [...JSON_SCALARS, '1 MiB string'],
    call: (d, v) => d.cache.store(cacheRequest(), { ...answer, payload: v }),
  },
  {
    api: 'cache.store',
    position: 'options.ttlMs',
    call: (d, v) => d.cache.store(cacheRequest(), answer, { ttlMs: v } as Loose),
  },
  {
    api: 'cache.store',
    position: 'options.costUsd',
    accepts: ['0'],
    call: (d, v) => d.cache.store(cacheRequest(), answer, { costUsd: v } as Loose),
  },
  {
    api: 'cache.store',
    position: 'options.usage.inputTokens',
    accepts: ['0'],
    call: (d, v) =>
      d.cache.store(cacheRequest(), answer, { usage: { inputTokens: v, outputTokens: 1 } } as Loose),
  },
  {
    api: 'cache.invalidate',
    position: 'filter.tenant',
    call: (d, v) => d.cache.invalidate({ tenant: v } as Loose),
  },
  {
    api: 'cache.invalidate',
    position: 'filter.entryIds',
    call: (d, v) => d.cache.invalidate({ tenant: 't', entryIds: v } as Loose),
  },
];

function permitOf(acquired: unknown): CircuitPermit {
  const result = acquired as { admitted: boolean; permit?: CircuitPermit };
  if (!result.admitted || !result.permit) throw new Error('setup: the breaker did not admit');
  return result.permit;
}
