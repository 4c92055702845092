import type { DeadLetter, JobJsonValue, JobOutcome, JobSnapshot, JobState } from '@tristack/core';

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** A flat `[field, value, …]` list, a Map or an object (RESP2 / RESP3 replies) as a record. */
export function recordOf(reply: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let index = 0; index + 1 < reply.length; index += 2)
      record[String(reply[index])] = String(reply[index + 1]);
  } else if (reply instanceof Map) {
    for (const [key, value] of reply) record[String(key)] = String(value);
  } else if (reply && typeof reply === 'object') {
    for (const [key, value] of Object.entries(reply)) record[key] = String(value);
  }
  return record;
}

function entryOf(raw: unknown): StreamEntry {
  const [id, fields] = raw as [unknown, unknown];
  return { id: String(id), fields: recordOf(fields) };
}

/** The entries of an XRANGE reply. */
export function entriesOfRange(reply: unknown): StreamEntry[] {
  return Array.isArray(reply) ? reply.map(entryOf) : [];
}

/**
 * The entries of an XREAD reply across its streams: RESP2 `[[key, entries], …]`, RESP3
 * `{key: entries}` (a Map or an object), or nil on timeout.
 */
export function entriesOfXread(reply: unknown): StreamEntry[] {
  if (reply === null || reply === undefined) return [];
  const perStream: unknown[] = Array.isArray(reply)
    ? reply.map((stream) => (stream as [unknown, unknown])[1])
    : reply instanceof Map
      ? [...reply.values()]
      : Object.values(reply as object);
  return perStream.flatMap((entries) => (Array.isArray(entries) ? entries.map(entryOf) : []));
}

const optionalNumber = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const optionalJson = (value: string | undefined): JobJsonValue | undefined =>
  value === undefined ? undefined : (JSON.parse(value) as JobJsonValue);

/** A job hash (HGETALL) as a snapshot; undefined for a missing job. */
export function snapshotOf(id: string, name: string, reply: unknown): JobSnapshot | undefined {
  const job = recordOf(reply);
  if (job.state === undefined) return undefined;
  return {
    id,
    name,
    state: job.state as JobState,
    payload: JSON.parse(job.payload ?? 'null') as JobJsonValue,
    attempts: Number(job.attempts ?? 0),
    maxAttempts: Number(job.maxAttempts),
    priority: Number(job.priority),
    tenantId: job.tenant,
    idempotencyKey: job.idem,
    enqueuedAt: Number(job.enqueuedAt),
    startedAt: optionalNumber(job.startedAt),
    finishedAt: optionalNumber(job.finishedAt),
    runAt: optionalNumber(job.runAt),
    failedAt: optionalNumber(job.failedAt),
    error: job.error,
    result: optionalJson(job.result),
    progress: optionalJson(job.progress),
  };
}

export function deadLetterOf(name: string, entry: StreamEntry): DeadLetter {
  return {
    jobId: `${name}:${entry.fields.j}`,
    name,
    error: entry.fields.e ?? '',
    attempts: Number(entry.fields.a),
    failedAt: Number(entry.fields.t),
  };
}

/** A job the fetch script started for this worker. */
export interface StartedJob {
  unique: string;
  owner: string;
  attempt: number;
  payloadJson: string;
  maxAttempts: number;
  priority: number;
  tenantId: string | undefined;
  idempotencyKey: string | undefined;
  enqueuedAt: number;
  timeoutMs: number | undefined;
  /** The enqueuing span's `traceparent`, when one was stored. */
  traceparent: string | undefined;
}

export interface FetchReply {
  started: StartedJob[];
  /** Lanes and their last ids to block on, when every lane is drained. */
  block: { lane: string; lastId: string }[];
  /** ms until the next delayed or failed job is due; undefined when none is scheduled. */
  nextDueMs: number | undefined;
  reclaimed: number;
}

const FIELDS_PER_STARTED_JOB = 11;

export function fetchReplyOf(reply: unknown): FetchReply {
  const [started, block, nextDue, reclaimed] = reply as [unknown[], unknown[], unknown, unknown];
  const jobs: StartedJob[] = [];
  for (let index = 0; index < started.length; index += FIELDS_PER_STARTED_JOB) {
    const field = (offset: number) => String(started[index + offset]);
    jobs.push({
      unique: field(0),
      owner: field(1),
      attempt: Number(field(2)),
      payloadJson: field(3),
      maxAttempts: Number(field(4)),
      priority: Number(field(5)),
      tenantId: field(6) || undefined,
      idempotencyKey: field(7) || undefined,
      enqueuedAt: Number(field(8)),
      timeoutMs: field(9) ? Number(field(9)) : undefined,
      traceparent: field(10) || undefined,
    });
  }
  const lanes: { lane: string; lastId: string }[] = [];
  for (let index = 0; index + 1 < block.length; index += 2) {
    lanes.push({ lane: String(block[index]), lastId: String(block[index + 1]) });
  }
  const due = Number(nextDue);
  return { started: jobs, block: lanes, nextDueMs: due < 0 ? undefined : due, reclaimed: Number(reclaimed) };
}

/** The outcome a final event carries inline ('a' attempts, 'd' data), or undefined when it was too large to. */
export function outcomeOfEvent(jobId: string, fields: Record<string, string>): JobOutcome | undefined {
  if (fields.a === undefined || fields.d === undefined) return undefined;
  const attempts = Number(fields.a);
  switch (fields.t) {
    case 'completed':
      return { status: 'completed', jobId, value: JSON.parse(fields.d) as JobJsonValue, attempts };
    case 'dead':
      return { status: 'dead', jobId, error: fields.d, attempts };
    case 'cancelled':
      return { status: 'cancelled', jobId, reason: fields.d || undefined, attempts };
    default:
      return undefined;
  }
}
