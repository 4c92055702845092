import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../clock.js';
import { InMemoryAuditLog } from '../audit-log/in-memory-audit-log.js';
import type { AuditLog } from '../audit-log/audit-log.js';
import type { AuditEvent, AuditEventInput, AuditEventType } from '../audit-log/audit-event.js';
import { InMemoryCircuitBreaker } from '../circuit-breaker/in-memory-circuit-breaker.js';
import { InMemoryRateLimiter } from '../rate-limiter/in-memory-rate-limiter.js';
import { defineLocalTool, LocalToolProvider } from './local-tool-provider.js';
import { ToolExecutionError } from './tool-execution-error.js';
import { StaticToolPolicy } from './tool-policy.js';

// Governance is shared by every provider; the local provider exercises it with the in-memory
// AuditLog, RateLimiter and CircuitBreaker drivers.
let upstreamDown = false;
const sendInvoice = defineLocalTool({
  name: 'send_invoice',
  description: 'Email an invoice.',
  toolkit: 'Billing',
  input: z.object({ customer: z.string(), apiKey: z.string().optional() }),
  behavior: { readOnly: false },
  execute: (input) => {
    if (upstreamDown) throw new ToolExecutionError('unavailable', 'mail server down', { canRetry: true });
    return { sent: input.customer };
  },
});
const readBalance = defineLocalTool({
  name: 'read_balance',
  description: 'Read a balance.',
  toolkit: 'Billing',
  input: z.object({}),
  behavior: { readOnly: true },
  execute: () => 42,
});

async function events(auditLog: AuditLog) {
  return (await auditLog.query({ tenantId: 'acme' })).events.map((event): Record<string, unknown> => ({
    type: event.type,
    ...event.data,
  }));
}

/** An audit log whose writes fail once `failAt` says so (the store is down). */
class FlakyAuditLog extends InMemoryAuditLog {
  writes = 0;
  failAt: (write: number) => boolean = () => false;
  override async record<Type extends AuditEventType>(event: AuditEventInput<Type>): Promise<AuditEvent> {
    if (this.failAt(this.writes++)) throw new Error('audit store down');
    return super.record(event);
  }
}

describe('ToolGovernance (through LocalToolProvider)', () => {
  it('audits the request with its decision, then the outcome; arguments pass the redactor', async () => {
    const auditLog = new InMemoryAuditLog();
    const policy = new StaticToolPolicy({
      rules: [{ approval: 'writes' }, { userId: 'guest', denyTools: ['read_balance'] }],
    });
    const provider = new LocalToolProvider({ tools: [sendInvoice, readBalance], auditLog, policy });
    const call = { tenantId: 'acme', runId: 'run-1', conversationId: 'thread-1', toolCallId: 'call_1' };
    const input = { customer: 'c-1', apiKey: 'sk-proj-abcdefghijklmnopqrstuvwxyz' };
    await provider.execute({ ...call, userId: 'alice', toolName: 'send_invoice', input });
    await provider.execute({
      ...call,
      userId: 'alice',
      toolName: 'send_invoice',
      input,
      approval: { approvedBy: 'boss' },
    });
    await provider.execute({ ...call, userId: 'guest', toolName: 'read_balance' });
    await provider.execute({ ...call, userId: 'alice', toolName: 'missing' });
    const trail = await events(auditLog);
    expect(trail.map((event) => [event.type, event.decision ?? event.outcome])).toEqual([
      ['tool.call.requested', 'approval_required'],
      ['tool.call.requested', 'allowed'],
      ['tool.call.executed', 'success'],
      ['tool.call.requested', 'denied'],
      ['tool.call.failed', 'denied'],
      ['tool.call.requested', 'not_found'],
      ['tool.call.failed', 'error'],
    ]);
    expect(trail[1]).toMatchObject({
      tool: 'send_invoice',
      provider: 'local',
      toolCallId: 'call_1',
      approvedBy: 'boss',
      arguments: { customer: 'c-1', apiKey: '[REDACTED]' },
    });
    expect(trail[2]).toMatchObject({ outcome: 'success', durationMs: expect.any(Number) });
    expect(JSON.stringify(trail)).not.toContain('sk-proj-');
    const stored = (await auditLog.query({ tenantId: 'acme' })).events[0]!;
    expect(stored).toMatchObject({
      userId: 'alice',
      runId: 'run-1',
      conversationId: 'thread-1',
      layer: 'tool',
    });
  });

  it('does not run a call it cannot audit; a later audit failure still returns the result', async () => {
    const failures: unknown[] = [];
    const auditLog = new FlakyAuditLog();
    let runs = 0;
    const counted = defineLocalTool({ ...readBalance, execute: () => ++runs });
    const provider = new LocalToolProvider({
      tools: [counted],
      auditLog,
      onAuditError: (error) => failures.push(error),
    });
    auditLog.failAt = () => true;
    const refused = await provider.execute({ userId: 'alice', toolName: 'read_balance' });
    expect(refused).toMatchObject({
      status: 'tool_error',
      error: { kind: 'unavailable', providerKind: 'audit_unavailable' },
    });
    expect(runs).toBe(0);
    // `requested` is written, the outcome is not: the call happened, so its result comes back.
    auditLog.writes = 0;
    auditLog.failAt = (write) => write > 0;
    expect(await provider.execute({ userId: 'alice', toolName: 'read_balance' })).toMatchObject({
      status: 'success',
      output: 1,
    });
    expect(failures).toHaveLength(2);
  });

  it('enforces per-tool and per-user rate limits before the tool runs', async () => {
    const clock = new ManualClock();
    const rateLimiter = new InMemoryRateLimiter({
      clock,
      limits: [
        {
          name: 'per-tool',
          scope: 'tool',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 2,
          windowMs: 60_000,
        },
        {
          name: 'per-user',
          scope: 'user',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 3,
          windowMs: 60_000,
        },
      ],
    });
    const auditLog = new InMemoryAuditLog({ clock });
    const provider = new LocalToolProvider({
      tools: [sendInvoice, readBalance],
      rateLimiter,
      auditLog,
      clock,
    });
    const send = () =>
      provider.execute({
        tenantId: 'acme',
        userId: 'alice',
        toolName: 'send_invoice',
        input: { customer: 'c' },
      });
    expect((await send()).status).toBe('success');
    expect((await send()).status).toBe('success');
    const limited = await send();
    expect(limited).toMatchObject({
      status: 'tool_error',
      error: {
        kind: 'rate_limited',
        canRetry: true,
        retryAfterMs: 60_000,
        providerKind: 'rate_limit:limited',
      },
    });
    expect(
      (await provider.execute({ tenantId: 'acme', userId: 'alice', toolName: 'read_balance' })).status,
    ).toBe('success');
    // Alice's per-user budget (3) is spent; Bob has his own.
    expect(
      (await provider.execute({ tenantId: 'acme', userId: 'alice', toolName: 'read_balance' })).status,
    ).toBe('tool_error');
    expect(
      (await provider.execute({ tenantId: 'acme', userId: 'bob', toolName: 'read_balance' })).status,
    ).toBe('success');
    clock.advance(60_000);
    expect((await send()).status).toBe('success');
    expect((await events(auditLog)).filter((event) => event.type === 'tool.call.failed')).toEqual([
      expect.objectContaining({
        outcome: 'unavailable',
        error: expect.objectContaining({ code: 'rate_limit:limited' }),
      }),
      expect.objectContaining({ outcome: 'unavailable' }),
    ]);
  });

  it('opens per-tool breakers on unavailability, without counting ordinary tool errors', async () => {
    const clock = new ManualClock();
    const circuitBreaker = new InMemoryCircuitBreaker({
      clock,
      consecutiveFailures: 2,
      failureRateThreshold: null,
      openMs: 5_000,
    });
    let runs = 0;
    const counted = defineLocalTool({
      ...sendInvoice,
      execute: (input, context) => {
        runs++;
        return sendInvoice.execute(input, context);
      },
    });
    const provider = new LocalToolProvider({ tools: [counted, readBalance], circuitBreaker, clock });
    const send = (customer = 'c') =>
      provider.execute({ userId: 'alice', toolName: 'send_invoice', input: { customer } });
    // Invalid input is the model's fault, not the dependency's: it never trips the breaker.
    for (let index = 0; index < 3; index++) {
      await provider.execute({ userId: 'alice', toolName: 'send_invoice', input: { customer: 1 } });
    }
    upstreamDown = true;
    try {
      expect((await send()).status).toBe('tool_error');
      // A success in between keeps the provider-wide breaker's run of failures short.
      expect((await provider.execute({ userId: 'alice', toolName: 'read_balance' })).status).toBe('success');
      expect((await send()).status).toBe('tool_error');
      expect(runs).toBe(2);
      const open = await send();
      expect(open).toMatchObject({
        status: 'tool_error',
        error: { kind: 'unavailable', canRetry: true, retryAfterMs: 5_000 },
      });
      expect((open as { error: { providerKind: string } }).error.providerKind).toBe(
        'circuit_open:provider=local:tool=send_invoice',
      );
      expect(runs).toBe(2);
      // Only the tool's breaker is open: the provider's other tools still run.
      expect((await provider.execute({ userId: 'alice', toolName: 'read_balance' })).status).toBe('success');
      upstreamDown = false;
      clock.advance(5_000);
      expect((await send()).status).toBe('success');
      expect((await circuitBreaker.getState('provider=local:tool=send_invoice')).state).toBe('closed');
    } finally {
      upstreamDown = false;
    }
  });
});
