import { createHash } from 'node:crypto';
import { compositeKey, TristackError } from '@tristack/core';
import type { RunIdentity } from '../run-identity.js';

const marker = Symbol.for('tristack.error.ToolApprovalNotIssuedError');

/**
 * A `tool-approval-response` approved a call this server never asked approval for (or for other
 * arguments, another user, or a request already used or expired): the browser sends the whole
 * history, so it can invent a tool call, its approval request and the approval. The tool does
 * not run.
 */
export class ToolApprovalNotIssuedError extends TristackError {
  private readonly [marker] = true;
  constructor(tool: string, toolCallId: string) {
    super(
      'INTEGRITY',
      `tool ${tool}: the approval of call ${toolCallId} matches no approval request this server issued to this user for these arguments`,
      { driver: 'ai-sdk', details: { tool, toolCallId } },
    );
  }

  static override isInstance(error: unknown): error is ToolApprovalNotIssuedError {
    return TristackError.hasMarker(error, marker);
  }
}

/** How long an issued approval request can be answered. */
const APPROVAL_TTL_MS = 3_600_000;
/** Most open requests kept: the oldest go first (a flood of proposals cannot grow memory). */
const MAX_OPEN_APPROVALS = 10_000;

/** Approval requests this process issued, by owner, call and arguments: key → expiry. */
const issued = new Map<string, number>();

/** Object keys sorted: the same arguments give the same digest whatever their order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** The approval of one call: its owner, tool, call id and a digest of its arguments. */
export function approvalKey(identity: RunIdentity, tool: string, toolCallId: string, input: unknown): string {
  const digest = createHash('sha256').update(canonicalJson(input)).digest('hex');
  return compositeKey([
    ['tenant', identity.tenantId],
    ['user', identity.userId],
    ['tool', tool],
    ['tool-call', toolCallId],
    ['arguments', digest],
  ]);
}

/** Records that this server asked the user to approve this call. */
export function issueApproval(key: string, now = Date.now()): void {
  issued.delete(key);
  issued.set(key, now + APPROVAL_TTL_MS);
  while (issued.size > MAX_OPEN_APPROVALS) issued.delete(issued.keys().next().value!);
}

/** Uses up an issued request: `true` once for a request issued and not expired. */
export function redeemApproval(key: string, now = Date.now()): boolean {
  const expiresAt = issued.get(key);
  issued.delete(key);
  return expiresAt !== undefined && expiresAt > now;
}
