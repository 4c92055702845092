import type {
  AuditEventInput,
  AuditEventType,
  AuditLog,
  AuthorizationWaitResult,
  ExecuteToolRequest,
  JobJsonValue,
  JobQueue,
  JobWorker,
  ListToolsRequest,
  ToolDefinition,
  ToolProvider,
  ToolResult,
  WaitForAuthorizationRequest,
} from '@tristack/core';

export interface QueuedToolProviderOptions {
  /** The provider that runs every call (inline, or in the queue's worker). */
  tools: ToolProvider;
  queue: JobQueue;
  /** @default 'long-tool-calls' */
  queueName?: string;
  /** Tools handed to the job queue instead of run inline. */
  longRunningTools: readonly string[];
  auditLog: AuditLog;
  /** Stamped on every call, so the tool layer's audit events join the session's trail. */
  runId: string;
  /** Progress lines (`…`) for the transcript. @default none */
  log?: (line: string) => void;
  /** Longest wait for a queued call. @default 30_000 */
  resultTimeoutMs?: number;
}

/** A queued call: the request without its (unserialisable) signal. */
type QueuedCall = Omit<ExecuteToolRequest, 'signal'>;

/**
 * The agent's tool provider: long calls go on the job queue (any worker of the fleet may run
 * them) and are awaited; the rest run inline. Either way the call is the same `ToolResult`.
 */
export class QueuedToolProvider implements ToolProvider {
  readonly name = 'support-agent-tools';
  private readonly queueName: string;
  private readonly log: (line: string) => void;

  constructor(private readonly options: QueuedToolProviderOptions) {
    this.queueName = options.queueName ?? 'long-tool-calls';
    this.log = options.log ?? (() => {});
  }

  listTools(request: ListToolsRequest): Promise<ToolDefinition[]> {
    return this.options.tools.listTools(request);
  }

  async execute(request: ExecuteToolRequest): Promise<ToolResult> {
    const stamped = { ...request, runId: request.runId ?? this.options.runId };
    if (!this.options.longRunningTools.includes(request.toolName)) return this.options.tools.execute(stamped);
    const { signal: _signal, ...call } = stamped;
    return this.runOnQueue(call);
  }

  waitForAuthorization(request: WaitForAuthorizationRequest): Promise<AuthorizationWaitResult> {
    if (!this.options.tools.waitForAuthorization)
      return Promise.resolve({ authorizationId: request.authorizationId, status: 'pending' });
    return this.options.tools.waitForAuthorization(request);
  }

  /** Starts this process's worker for long tool calls (in a fleet, every worker runs one). */
  startWorker(): Promise<JobWorker> {
    return this.options.queue.process(this.queueName, async (job) => {
      const call = job.payload as unknown as QueuedCall;
      await job.progress({ message: `running ${call.toolName}` });
      const result = await this.options.tools.execute({ ...call, signal: job.signal });
      return JSON.parse(JSON.stringify(result)) as JobJsonValue;
    });
  }

  private async runOnQueue(call: QueuedCall): Promise<ToolResult> {
    const { queue } = this.options;
    const jobId = await queue.enqueue(this.queueName, call as unknown as JobJsonValue);
    await this.audit(call, 'job.enqueued', { queue: this.queueName, jobId, name: call.toolName });
    this.log(`${call.toolName} queued as job ${jobId}; waiting for a worker`);
    const stop = await queue.onProgress(jobId, (event) =>
      this.log(`job progress: ${JSON.stringify(event.data)}`),
    );
    try {
      const outcome = await queue.result(jobId, { timeoutMs: this.options.resultTimeoutMs ?? 30_000 });
      if (outcome.status !== 'completed') {
        await this.audit(call, 'job.failed', {
          queue: this.queueName,
          jobId,
          error: { message: outcome.status },
        });
        return {
          status: 'tool_error',
          provider: 'queue',
          toolName: call.toolName,
          error: { kind: 'unavailable', message: `job ${outcome.status}`, canRetry: true },
        };
      }
      await this.audit(call, 'job.completed', { queue: this.queueName, jobId, attempt: outcome.attempts });
      this.log(`job ${jobId} completed after ${outcome.attempts} attempt(s)`);
      return outcome.value as unknown as ToolResult;
    } finally {
      stop();
    }
  }

  private async audit<Type extends AuditEventType>(
    call: QueuedCall,
    type: Type,
    data: AuditEventInput<Type>['data'],
  ): Promise<void> {
    await this.options.auditLog.record({
      type,
      data,
      userId: call.userId,
      ...(call.tenantId ? { tenantId: call.tenantId } : {}),
      ...(call.conversationId ? { conversationId: call.conversationId } : {}),
      ...(call.runId ? { runId: call.runId } : {}),
    } as AuditEventInput<Type>);
  }
}
