import { systemClock, type Clock } from '../clock.js';
import type { AuditLog } from '../audit-log/audit-log.js';
import type { CircuitBreaker } from '../circuit-breaker/circuit-breaker.js';
import type { RateLimiter, RateLimitKey } from '../rate-limiter/rate-limiter.js';
import { ToolContentRecorder, type ToolContentTelemetry } from '../telemetry/tool-content-telemetry.js';
import { inToolSpan, coreTelemetry } from '../telemetry/tristack-telemetry.js';
import { ToolCallAudit, type ToolCallDecision } from './tool-call-audit.js';
import { describeToolResult, toolMetricAttributes } from './tool-telemetry.js';
import {
  acquireToolCircuits,
  checkToolRateLimit,
  circuitOutcomeOf,
  defaultToolCircuitNames,
  defaultToolRateLimitKey,
  type ToolCallTarget,
} from './tool-call-limits.js';
import type { ToolDefinition } from './tool-definition.js';
import type { ToolPolicy } from './tool-policy.js';
import type { ParsedExecuteToolRequest } from './tool-provider.js';
import type { ToolError, ToolResult, ToolResultBase } from './tool-result.js';

/** Policy, approvals, rate limits, circuit breakers and audit: what every provider accepts. */
export interface ToolGovernanceSettings {
  /** Who may use which tool, and which calls need approval. @default allow everything, no approvals */
  policy?: ToolPolicy | undefined;
  /** Records every call (`tool.call.*` events; arguments through its redactor). @default no audit */
  auditLog?: AuditLog | undefined;
  /**
   * Called when an event could not be recorded. A failure to record `tool.call.requested` stops
   * the call (an `unavailable` result, nothing runs unaudited); a failure afterwards still returns
   * the call's result (it already happened).
   * @default ignore
   */
  onAuditError?: ((error: unknown) => void) | undefined;
  /** Per-tool / per-provider / per-user limits, by rule scope (`tool`, `provider`, `user`, `tenant`). @default none */
  rateLimiter?: RateLimiter | undefined;
  /** @default defaultToolRateLimitKey (the scopes the limiter has rules for) */
  rateLimitKey?: ((target: ToolCallTarget) => RateLimitKey) | undefined;
  /** Breakers around calls (failures = the dependency was unavailable). @default none */
  circuitBreaker?: CircuitBreaker | undefined;
  /** @default defaultToolCircuitNames (one per provider, one per tool) */
  circuitBreakerNames?: ((target: ToolCallTarget) => string[]) | undefined;
  /**
   * Opt-in: the model's arguments (`input`, never `trustedInput`) and a successful call's output
   * on the `execute_tool` span, redacted (see `ToolContentTelemetry`). Off by default: spans
   * carry neither.
   * @default false
   */
  telemetryToolContent?: ToolContentTelemetry | undefined;
}

export interface ToolGovernanceOptions extends ToolGovernanceSettings {
  /** Provider name stamped on results. */
  provider: string;
  /** @default systemClock */
  clock?: Clock | undefined;
}

/**
 * The checks every provider applies around a call, in order: policy, approval, audit of the
 * request, rate limit, circuit breakers, the call, audit of the outcome. Shared by
 * `LocalToolProvider` and `ArcadeToolProvider` so both behave the same.
 */
export class ToolGovernance {
  readonly provider: string;
  readonly clock: Clock;
  private readonly audit: ToolCallAudit | undefined;
  private readonly toolContent: ToolContentRecorder | undefined;

  constructor(private readonly options: ToolGovernanceOptions) {
    this.provider = options.provider;
    this.clock = options.clock ?? systemClock;
    this.toolContent = ToolContentRecorder.from(options.telemetryToolContent);
    this.audit = options.auditLog ? new ToolCallAudit(options.auditLog, options.provider) : undefined;
  }

  /** Drops tools the policy denies for this caller and marks those needing approval. */
  async filterTools(
    tools: readonly ToolDefinition[],
    caller: { userId: string; tenantId?: string | undefined },
  ): Promise<ToolDefinition[]> {
    const visible: ToolDefinition[] = [];
    for (const tool of tools) {
      const decision = this.options.policy
        ? await this.options.policy.evaluate({ ...caller, tool })
        : undefined;
      if (decision && !decision.allowed) continue;
      visible.push({ ...tool, requiresApproval: decision?.requiresApproval ?? false });
    }
    return visible;
  }

  /** A `tool_error` result stamped with this provider's name. */
  errorResult(
    toolName: string,
    error: ToolError,
    extra: Omit<ToolResultBase, 'provider' | 'toolName'> = {},
  ): ToolResult {
    return { provider: this.provider, toolName, ...extra, status: 'tool_error', error };
  }

  /**
   * Runs `call` for `request` after the checks. `tool` is undefined when the provider has no
   * such tool. Throws only what `call` throws (an abort).
   */
  async execute(
    request: ParsedExecuteToolRequest,
    tool: ToolDefinition | undefined,
    call: (tool: ToolDefinition) => Promise<ToolResult>,
  ): Promise<ToolResult> {
    // Only a name the provider knows reaches telemetry; one the model invented is `_OTHER`.
    return inToolSpan(coreTelemetry, tool?.name, async (span, owned) => {
      this.toolContent?.record(span, 'arguments', request.input);
      const result = await this.executeChecked(request, tool, call);
      describeToolResult(span, this.provider, tool, result);
      if (result.status === 'success') this.toolContent?.record(span, 'result', result.output);
      if (owned) coreTelemetry.instruments.toolExecutions.add(1, toolMetricAttributes(tool, result));
      return result;
    });
  }

  private async executeChecked(
    request: ParsedExecuteToolRequest,
    tool: ToolDefinition | undefined,
    call: (tool: ToolDefinition) => Promise<ToolResult>,
  ): Promise<ToolResult> {
    if (!tool) {
      const missing = this.errorResult(request.toolName, {
        kind: 'not_found',
        message: `no tool named ${request.toolName} is available`,
        canRetry: false,
      });
      return this.decided(request, tool, 'not_found', undefined, missing);
    }
    const base = { toolVersion: tool.version };
    const decision = this.options.policy
      ? await this.options.policy.evaluate({ userId: request.userId, tenantId: request.tenantId, tool })
      : { allowed: true as const, requiresApproval: false };
    if (!decision.allowed) {
      const denied = this.errorResult(
        tool.name,
        {
          kind: 'denied',
          message: `policy does not allow ${tool.name}: ${decision.reason}`,
          canRetry: false,
        },
        base,
      );
      return this.decided(request, tool, 'denied', decision.reason, denied);
    }
    if (decision.requiresApproval && !request.approval) {
      const approval: ToolResult = {
        provider: this.provider,
        toolName: tool.name,
        ...base,
        status: 'approval_required',
        approval: {
          reason: `policy requires a human to approve calls to ${tool.name}`,
          readOnly: tool.behavior.readOnly === true,
          destructive: tool.behavior.destructive === true,
          ...(tool.behavior.operations ? { operations: tool.behavior.operations } : {}),
        },
      };
      return this.decided(request, tool, 'approval_required', undefined, approval);
    }
    const unrecorded = await this.recordRequested(request, tool, 'allowed');
    if (unrecorded) return unrecorded;
    const result = await this.guarded(request, tool, call);
    await this.recordFinished(request, tool, result);
    return result;
  }

  /** Answers (and audits) a call the provider cannot even look up, e.g. while its catalogue is down. */
  async unavailable(request: ParsedExecuteToolRequest, error: ToolError): Promise<ToolResult> {
    return this.decided(
      request,
      undefined,
      'unavailable',
      undefined,
      this.errorResult(request.toolName, error),
    );
  }

  /** Rate limit, breakers, then the call itself (timed). */
  private async guarded(
    request: ParsedExecuteToolRequest,
    tool: ToolDefinition,
    call: (tool: ToolDefinition) => Promise<ToolResult>,
  ): Promise<ToolResult> {
    const target: ToolCallTarget = { provider: this.provider, tool, request };
    const base = { toolVersion: tool.version };
    const { rateLimiter, circuitBreaker } = this.options;
    if (rateLimiter) {
      const key = (this.options.rateLimitKey ?? ((item) => defaultToolRateLimitKey(rateLimiter, item)))(
        target,
      );
      const limited = await checkToolRateLimit(rateLimiter, key);
      if (limited) return this.errorResult(tool.name, limited, base);
    }
    let permits: Awaited<ReturnType<typeof acquireToolCircuits>> | undefined;
    if (circuitBreaker) {
      permits = await acquireToolCircuits(
        circuitBreaker,
        (this.options.circuitBreakerNames ?? defaultToolCircuitNames)(target),
      );
      if ('error' in permits) return this.errorResult(tool.name, permits.error, base);
    }
    const started = this.clock.now();
    let result: ToolResult | undefined;
    try {
      result = await call(tool);
      result = { ...result, durationMs: result.durationMs ?? this.clock.now() - started };
      return result;
    } catch (error) {
      await this.audit
        ?.threw(request, tool, error)
        .catch((auditError) => this.options.onAuditError?.(auditError));
      throw error;
    } finally {
      if (circuitBreaker && permits && 'permits' in permits) {
        const outcome = circuitOutcomeOf(result);
        await Promise.all(
          permits.permits.map((permit) => circuitBreaker.record(permit, outcome).catch(() => {})),
        );
      }
    }
  }

  /** A call that ended at the policy: one `requested` event with the decision, then the outcome. */
  private async decided(
    request: ParsedExecuteToolRequest,
    tool: ToolDefinition | undefined,
    decision: ToolCallDecision,
    reason: string | undefined,
    result: ToolResult,
  ): Promise<ToolResult> {
    const unrecorded = await this.recordRequested(request, tool, decision, reason);
    if (unrecorded) return unrecorded;
    await this.recordFinished(request, tool, result);
    return result;
  }

  /** No call runs unaudited: when the request cannot be recorded, the answer is `unavailable`. */
  private async recordRequested(
    request: ParsedExecuteToolRequest,
    tool: ToolDefinition | undefined,
    decision: ToolCallDecision,
    reason?: string,
  ): Promise<ToolResult | undefined> {
    try {
      await this.audit?.requested(request, tool, decision, reason);
      return undefined;
    } catch (error) {
      this.options.onAuditError?.(error);
      return this.errorResult(
        tool?.name ?? request.toolName,
        {
          kind: 'unavailable',
          message: 'the call was not made: the audit log is unavailable',
          canRetry: true,
          providerKind: 'audit_unavailable',
          developerMessage: error instanceof Error ? error.message : String(error),
        },
        { toolVersion: tool?.version },
      );
    }
  }

  private async recordFinished(
    request: ParsedExecuteToolRequest,
    tool: ToolDefinition | undefined,
    result: ToolResult,
  ): Promise<void> {
    try {
      await this.audit?.finished(request, tool, result);
    } catch (error) {
      this.options.onAuditError?.(error);
    }
  }
}
