import {
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  createContextKey,
  metrics,
  trace,
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { unwrapTristackError } from '../errors.js';
import { TELEMETRY_SCHEMA_URL, TelemetryAttribute } from './telemetry-attributes.js';

export type { Attributes as TelemetryAttributes, Span as TelemetrySpan };
export { SpanKind as TelemetrySpanKind };

/** Marks the context of an open `execute_tool` span, so a nested layer describes it instead of adding one. */
const toolSpanKey = createContextKey('tristack.execute_tool');

/** The instruments every Tristack package records to; names are listed in docs/observability.md. */
export interface TelemetryInstruments {
  tokenUsage: Histogram;
  operationDuration: Histogram;
  modelCalls: Counter;
  toolExecutions: Counter;
  cacheLookups: Counter;
  cacheTokensSaved: Counter;
  cacheCostSaved: Counter;
  rateLimitDecisions: Counter;
  breakerRejections: Counter;
  breakerTransitions: Counter;
  queueJobs: Counter;
  queueWaitDuration: Histogram;
  queueProcessDuration: Histogram;
}

function createInstruments(meter: Meter): TelemetryInstruments {
  return {
    tokenUsage: meter.createHistogram('gen_ai.client.token.usage', {
      unit: '{token}',
      description: 'Tokens used per model call, by gen_ai.token.type.',
    }),
    operationDuration: meter.createHistogram('gen_ai.client.operation.duration', {
      unit: 's',
      description: 'Duration of a model call as the agent saw it (a cache hit included).',
    }),
    modelCalls: meter.createCounter('tristack.model.calls', { description: 'Model calls by outcome.' }),
    toolExecutions: meter.createCounter('tristack.tool.executions', {
      description: 'Tool executions by tool and outcome.',
    }),
    cacheLookups: meter.createCounter('tristack.cache.lookups', {
      description: 'Response-cache lookups by result (exact, semantic, miss).',
    }),
    cacheTokensSaved: meter.createCounter('tristack.cache.tokens_saved', {
      unit: '{token}',
      description: 'Tokens a cache hit did not spend (the cached answer’s recorded usage).',
    }),
    cacheCostSaved: meter.createCounter('tristack.cache.cost_saved', {
      unit: '{USD}',
      description: 'USD a cache hit did not spend (the cached call’s recorded or priced cost).',
    }),
    rateLimitDecisions: meter.createCounter('tristack.rate_limit.decisions', {
      description: 'Rate-limiter decisions by rule and verdict.',
    }),
    breakerRejections: meter.createCounter('tristack.circuit_breaker.rejections', {
      description: 'Calls an open or half-open breaker refused.',
    }),
    breakerTransitions: meter.createCounter('tristack.circuit_breaker.transitions', {
      description: 'Breaker state changes made by this instance (to state open: a trip).',
    }),
    queueJobs: meter.createCounter('tristack.queue.jobs', {
      description: 'Jobs enqueued (send) and attempts run (process), by queue and outcome.',
    }),
    queueWaitDuration: meter.createHistogram('tristack.queue.job.wait_duration', {
      unit: 's',
      description: 'Time from enqueue to the start of an attempt.',
    }),
    queueProcessDuration: meter.createHistogram('messaging.process.duration', {
      unit: 's',
      description: 'Duration of one job attempt (the handler run), by queue and outcome.',
    }),
  };
}

/**
 * A package's tracer and meter. The tracer is the API's proxy (it follows a provider registered
 * later); instruments are created per meter provider, because the metrics API has no proxy: ones
 * made before the app registered its SDK would stay no-ops.
 */
export class TristackTelemetry {
  readonly tracer: Tracer;
  private readonly byProvider = new WeakMap<MeterProvider, TelemetryInstruments>();

  constructor(
    readonly scope: string,
    readonly version: string,
  ) {
    // The global provider is a proxy: this tracer follows an SDK registered later.
    this.tracer = trace.getTracerProvider().getTracer(scope, version, { schemaUrl: TELEMETRY_SCHEMA_URL });
  }

  /** The instruments of the current global meter provider (no-ops when none is registered). */
  get instruments(): TelemetryInstruments {
    const provider = metrics.getMeterProvider();
    let instruments = this.byProvider.get(provider);
    if (!instruments) {
      instruments = createInstruments(this.meterOf(provider));
      this.byProvider.set(provider, instruments);
    }
    return instruments;
  }

  /**
   * This package's meter from the current global meter provider, for an instrument only one
   * layer creates (an observable gauge). Create such an instrument once per provider.
   */
  meter(): Meter {
    return this.meterOf(metrics.getMeterProvider());
  }

  private meterOf(provider: MeterProvider): Meter {
    return provider.getMeter(this.scope, this.version, { schemaUrl: TELEMETRY_SCHEMA_URL });
  }

  /** The active context with `span` as its span: the parent to give a span started elsewhere. */
  contextWith(span: Span): Context {
    return trace.setSpan(context.active(), span);
  }

  /**
   * Runs `fn` inside a new active span, ended when `fn` settles; a throw is recorded on the span
   * (`error.type`, status ERROR) and rethrown. Describe the span inside `fn`, behind
   * `span.isRecording()`, so no attribute is built when no SDK is registered.
   */
  async inSpan<T>(
    name: string,
    kind: SpanKind,
    fn: (span: Span) => Promise<T>,
    options: { parent?: Context; links?: { context: ReturnType<Span['spanContext']> }[] } = {},
  ): Promise<T> {
    const parent = options.parent ?? context.active();
    return this.tracer.startActiveSpan(
      name,
      { kind, ...(options.links ? { links: options.links } : {}) },
      parent,
      async (span) => {
        try {
          return await fn(span);
        } catch (error) {
          markSpanFailed(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }
}

/**
 * Runs one tool call inside an `execute_tool <tool>` span — or, when an outer layer (the LangChain
 * adapter) already opened one for this call, inside that span, so a backend shows one tool
 * execution, described by both layers. `owned` says whether this call opened the span (and so
 * counts the execution). `toolName` is the name of a tool the caller knows (undefined for a name
 * the model invented): see `telemetryToolName`.
 */
export function inToolSpan<T>(
  telemetry: TristackTelemetry,
  toolName: string | undefined,
  fn: (span: Span, owned: boolean) => Promise<T>,
  options: { parent?: Context } = {},
): Promise<T> {
  const open = context.active().getValue(toolSpanKey) as Span | undefined;
  if (open && open === trace.getActiveSpan()) return fn(open, false);
  const name = telemetryToolName(toolName);
  return telemetry.inSpan(
    `execute_tool ${name}`,
    SpanKind.INTERNAL,
    (span) => {
      if (span.isRecording()) {
        span.setAttribute(TelemetryAttribute.operationName, 'execute_tool');
        span.setAttribute(TelemetryAttribute.toolName, name);
        span.setAttribute(TelemetryAttribute.toolType, 'function');
      }
      return context.with(context.active().setValue(toolSpanKey, span), () => fn(span, true));
    },
    options,
  );
}

/** The value the conventions use for a name outside a known, bounded set. */
export const OTHER_VALUE = '_OTHER';

/** Longest tool name put on a span or a metric (OpenAI's own limit on function names). */
const MAX_TOOL_NAME_LENGTH = 64;

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * The tool name to put on telemetry: the name of a tool the provider or agent knows, cut to 64
 * characters, else `_OTHER`. A name the model invented is never recorded: it can carry prompt
 * text, and each one would be a new metric series.
 */
export function telemetryToolName(known: string | undefined): string {
  return known === undefined || known === '' ? OTHER_VALUE : known.slice(0, MAX_TOOL_NAME_LENGTH);
}

/**
 * A bounded `error.type`: the Tristack error's code, else the error's class name when it is a
 * plain identifier, else `_OTHER`. Never the free-form `code`, `name` or message an error carries.
 */
export function errorTypeOf(error: unknown): string {
  // LangChain wraps a middleware's error: name the Tristack error inside, by its code.
  const tristack = unwrapTristackError(error);
  if (tristack && SAFE_NAME.test(tristack.code)) return tristack.code;
  if (typeof error !== 'object' || error === null) return OTHER_VALUE;
  const className = (Object.getPrototypeOf(error) as { constructor?: { name?: unknown } } | null)?.constructor
    ?.name;
  return typeof className === 'string' && SAFE_NAME.test(className) ? className : OTHER_VALUE;
}

/** Records an error on a span without its message (messages may quote user input). */
export function markSpanFailed(span: Span, error: unknown, type?: string): void {
  if (!span.isRecording()) return;
  span.setAttribute(TelemetryAttribute.errorType, type ?? errorTypeOf(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** The active span, when one is recording (else undefined: build nothing for it). */
export function recordingSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}

/** The active trace's ids, when a valid span context is active. */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { traceId, spanId } : undefined;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * A span's context as a W3C `traceparent` value, to store beside data another process reads (a
 * job, a token stream); undefined for an invalid context (no SDK, no active span). The sampled
 * flag is kept, so work continued from it stays sampled or unsampled as the request was.
 */
export function traceparentOf(span: Span): string | undefined {
  const spanContext = span.spanContext();
  if (!trace.isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The remote span context a stored `traceparent` names; undefined for none or a malformed one. */
export function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match) return undefined;
  const spanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    // Only the sampled bit is defined (W3C version 00); other bits of a stored value are dropped.
    traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** `@tristack/core`'s own tracer and meter (breakers, queues, memory, audit). */
export const coreTelemetry = new TristackTelemetry('@tristack/core', '0.1.0');
