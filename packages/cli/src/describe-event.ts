import type { AuditEvent } from '@tristack/core';
import { type Style, formatDuration, oneLine } from './output.js';
import { escapeControl } from './terminal-text.js';

export interface EventSummary {
  actor: string;
  outcome: string;
  detail: string;
}

const good = new Set([
  'ok',
  'success',
  'hit',
  'acquired',
  'released',
  'completed',
  'finished',
  'closed',
  'resumed',
  'authorized',
]);
const bad = new Set(['failed', 'error', 'denied', 'lost', 'open', 'timeout', 'unavailable', 'cancelled']);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : typeof value === 'number' ? String(value) : undefined;
}

function errorMessage(data: Record<string, unknown>): string {
  const error = data['error'] as { message?: unknown } | undefined;
  return text(error?.message) ?? '';
}

/** Who did it, how it ended and the one detail that matters, for each known event type. */
export function describeEvent(event: AuditEvent): EventSummary {
  const data = event.data as Record<string, unknown>;
  const actor = event.userId ?? '-';
  const parts: (string | undefined)[] = [];
  let outcome = text(data['outcome']) ?? event.type.split('.').at(-1)!;
  const duration = typeof data['durationMs'] === 'number' ? formatDuration(data['durationMs']) : undefined;
  switch (event.type) {
    case 'model.call.finished': {
      outcome = data['cached'] === true ? 'cached' : 'ok';
      const usage = data['tokenUsage'] as Record<string, unknown> | undefined;
      parts.push(
        text(data['model']),
        usage ? `${usage['inputTokens'] ?? '?'} in / ${usage['outputTokens'] ?? '?'} out tokens` : undefined,
        duration,
      );
      break;
    }
    case 'model.call.started':
      parts.push(text(data['model']));
      break;
    case 'model.call.failed':
      parts.push(text(data['model']), errorMessage(data));
      break;
    case 'tool.call.requested':
    case 'tool.call.authorized':
    case 'tool.call.executed':
    case 'tool.call.failed': {
      if (event.type === 'tool.call.authorized') outcome = text(data['authorizationStatus']) ?? outcome;
      if (event.type === 'tool.call.executed') outcome = text(data['outcome']) ?? 'success';
      if (event.type === 'tool.call.failed') outcome = text(data['outcome']) ?? 'error';
      const tool = text(data['tool']);
      const version = text(data['toolVersion']);
      parts.push(
        tool && version ? `${tool}@${version}` : tool,
        duration,
        text(data['executionId']) ? `execution ${text(data['executionId'])}` : undefined,
        errorMessage(data),
      );
      break;
    }
    case 'rate-limit.denied':
      parts.push(
        text(data['limiter']),
        text(data['key']),
        typeof data['retryAfterMs'] === 'number'
          ? `retry in ${formatDuration(data['retryAfterMs'])}`
          : undefined,
      );
      break;
    case 'circuit-breaker.state-changed':
      outcome = `${text(data['from']) ?? '?'}→${text(data['to']) ?? '?'}`;
      parts.push(text(data['breaker']), text(data['reason']));
      break;
    case 'lease.acquired':
    case 'lease.released':
    case 'lease.lost':
      parts.push(
        text(data['lease']),
        text(data['holder']) ? `holder ${text(data['holder'])}` : undefined,
        text(data['fencingToken']) ? `token ${text(data['fencingToken'])}` : undefined,
        text(data['reason']),
      );
      break;
    case 'cache.hit':
    case 'cache.miss':
      parts.push(text(data['cache']), text(data['model']), text(data['key']));
      break;
    case 'memory.cleared':
      parts.push(
        text(data['reason']),
        typeof data['messagesRemoved'] === 'number' ? `${data['messagesRemoved']} messages` : undefined,
      );
      break;
    default:
      if (event.type.startsWith('job.')) {
        parts.push(text(data['queue']), text(data['jobId']), duration, errorMessage(data));
      } else if (event.type.startsWith('run.') || event.type.startsWith('interrupt.')) {
        parts.push(text(data['name']) ?? text(data['node']), duration, errorMessage(data));
      } else {
        parts.push(oneLine(JSON.stringify(data), 60));
      }
  }
  // Every field is stored data: escaped, so an event cannot drive the operator's terminal.
  return {
    actor: escapeControl(actor),
    outcome: escapeControl(outcome),
    detail: escapeControl(parts.filter((part) => part).join(' · ')),
  };
}

export function styleOutcome(outcome: string, style: Style): string {
  const key = outcome.split('→').at(-1)!;
  if (good.has(key)) return style.green(outcome);
  if (bad.has(key)) return style.red(outcome);
  return style.yellow(outcome);
}

export function styleLayer(layer: string, style: Style): string {
  return layer === 'orchestration'
    ? style.cyan(layer)
    : layer === 'tool'
      ? style.magenta(layer)
      : style.blue(layer);
}
