/**
 * An OpenTelemetry SDK registered for one test file, as an application would register its own:
 * an AsyncLocalStorage context manager, a tracer provider exporting to memory and a meter
 * provider read on demand. For tests only: the Tristack libraries depend on `@opentelemetry/api`
 * alone, and this subpath needs the SDK packages (`@opentelemetry/context-async-hooks`,
 * `@opentelemetry/sdk-metrics`, `@opentelemetry/sdk-trace-base`, optional peers) and `vitest`.
 */
import { context, metrics, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Collects when asked (no timer: a test run ends by itself); each collection holds what came since the last. */
class OnDemandMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** What a test reads from the SDK `useOtelSdk` registered: the spans and metrics the code under test recorded. */
export interface OtelSdk {
  /** The spans ended (and exported) since the current test started. */
  spans(): ReadableSpan[];
  /** Waits for every ended span to be exported. */
  flush(): Promise<void>;
  /** The metrics recorded since the last call (or the test's start), by name. */
  metrics(): Promise<Map<string, MetricData>>;
}

/**
 * Registers an OpenTelemetry SDK (global context manager, tracer provider and meter provider)
 * around the calling test file's tests — `beforeAll` registers it, `afterAll` shuts it down and
 * unregisters it — and resets the exported spans and pending metrics after each test. Call it at
 * the top level of a test file (or of a `describe`).
 *
 * @param extraProcessors - Span processors to run beside the in-memory exporter (an OTLP exporter, a probe).
 * @returns The reader of what the code under test recorded.
 */
export function useOtelSdk(extraProcessors: SpanProcessor[] = []): OtelSdk {
  const exporter = new InMemorySpanExporter();
  const reader = new OnDemandMetricReader();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter), ...extraProcessors],
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  });
  afterEach(async () => {
    exporter.reset();
    await reader.collect();
  });
  afterAll(async () => {
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    trace.disable();
    metrics.disable();
    context.disable();
  });
  return {
    spans: () => exporter.getFinishedSpans(),
    flush: () => tracerProvider.forceFlush(),
    metrics: async () => {
      const { resourceMetrics } = await reader.collect();
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
  };
}

/**
 * The sum of a counter's data points whose attributes include every entry of `match`.
 *
 * @param metric - A counter from `OtelSdk.metrics()` (undefined when nothing was recorded: 0).
 * @param match - Attributes a data point must carry to count (none: every point counts).
 * @returns The matching points' total.
 */
export function counterValue(metric: MetricData | undefined, match: Attributes = {}): number {
  let total = 0;
  for (const point of (metric?.dataPoints ?? []) as DataPoint<unknown>[]) {
    if (Object.entries(match).every(([key, value]) => point.attributes[key] === value))
      total += point.value as number;
  }
  return total;
}
