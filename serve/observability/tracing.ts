/**
 * OpenTelemetry tracing: on only when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set.
 * Off, nothing is loaded or registered (not even the span hooks of serve/observability/trace-hooks.ts)
 * and the runtime installs no hook. On, each runtime has its own tracer provider (not the global
 * one, so several stacks in one process keep their spans apart), batching spans to OTLP/HTTP JSON;
 * the global context manager (AsyncLocalStorage) and W3C trace-context propagator are registered,
 * which the hooks need to parent spans across awaits and to read and send `traceparent`.
 */
import { context, propagation, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Config } from '../config';

export interface Tracing {
  tracer: Tracer;
  /** The span hooks, loaded with the SDK (never when tracing is off). */
  hooks: typeof import('./trace-hooks');
  /** Export what is buffered now. */
  flush(): Promise<void>;
  /** Flush and stop (the runtime's close; server shutdown calls it). */
  shutdown(): Promise<void>;
}

export type TracingConfig = Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_SERVICE_NAME'>;

/** The OTLP/HTTP traces URL: the signal-specific endpoint as it is, else the base endpoint + `/v1/traces` (the spec's rule). */
export function tracesUrl(c: TracingConfig): string | undefined {
  if (c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!c.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return `${c.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * undefined when tracing is off. `exporter` replaces the OTLP exporter (unit tests);
 * `scheduledDelayMillis` is the batch processor's export interval (default 5000, the SDK's).
 */
export async function startTracing(c: TracingConfig, o: { exporter?: SpanExporter; scheduledDelayMillis?: number } = {}): Promise<Tracing | undefined> {
  const url = tracesUrl(c);
  if (!url && !o.exporter) return undefined;
  const [{ BatchSpanProcessor, TracerProvider }, { resourceFromAttributes }, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, { ATTR_SERVICE_NAME }, hooks] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/semantic-conventions'),
    import('./trace-hooks'),
  ]);
  // Both calls are no-ops (returning false) once something is registered: the first runtime's stay.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // Headers, timeout and compression still come from the standard OTEL_EXPORTER_OTLP_* variables (the exporter reads them).
  const exporter = o.exporter ?? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: c.OTEL_SERVICE_NAME }),
    spanProcessors: [new BatchSpanProcessor({ exporter, ...(o.scheduledDelayMillis !== undefined ? { scheduledDelayMillis: o.scheduledDelayMillis } : {}) })],
  });
  const tracer = provider.getTracer('memocha');
  let stopped: Promise<void> | undefined;
  return {
    tracer,
    hooks,
    flush: () => provider.forceFlush(),
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}
