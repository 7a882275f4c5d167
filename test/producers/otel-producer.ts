// A producer using the real OpenTelemetry JS logs SDK and OTLP/HTTP exporter (JSON encoding, or the
// protobuf exporter), as an instrumented service would. The exporter sets no idempotency key and cannot keep one across its own
// retries (it rebuilds headers per attempt), so the router generates one per request: a router failover
// reuses it, but an exporter retry after a lost acknowledgement would store the batch twice.
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as OTLPProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from "@opentelemetry/sdk-logs";
import { countInto, type Producer, type ProducerStats, pace } from "./producer";

export interface OtelProducerOptions {
  /** base URL of the Worker; records go to `url + /v1/logs`. */
  url: string;
  producer: string;
  recordsPerSecond?: number;
  /** BatchLogRecordProcessor settings: records per export and the delay between exports. */
  maxExportBatchSize?: number;
  scheduledDelayMillis?: number;
  /** gzip request bodies (the exporter's `compression` option; off by default). */
  gzip?: boolean;
  /** OTLP/HTTP body encoding: `json` (exporter-logs-otlp-http, the default) or `protobuf` (exporter-logs-otlp-proto). */
  encoding?: "json" | "protobuf";
}

type ExportResult = Parameters<Parameters<LogRecordExporter["export"]>[1]>[0];
/** ExportResultCode.SUCCESS of @opentelemetry/core (not a direct dependency of this project). */
const EXPORT_SUCCESS = 0;

export class OtelProducer implements Producer {
  readonly producer: string;
  private readonly opts: Required<OtelProducerOptions>;
  private readonly s: ProducerStats;
  private readonly provider: LoggerProvider;
  private seq = 0;
  private stopPacing: (() => void) | null = null;
  private logger: ReturnType<LoggerProvider["getLogger"]>;
  /** set while a large batch is assembled, so that paced records do not join it. */
  private paused = false;

  constructor(options: OtelProducerOptions) {
    this.opts = {
      recordsPerSecond: 50,
      maxExportBatchSize: 50,
      scheduledDelayMillis: 200,
      gzip: false,
      encoding: "json",
      ...options,
    };
    this.producer = options.producer;
    this.s = { producer: this.producer, sent: 0, acked: 0, dropped: 0, errors: {} };
    // Only the endpoint (and compression, when asked) is set: timeout and retries stay the exporter's defaults.
    const config = {
      url: `${this.opts.url.replace(/\/$/, "")}/v1/logs`,
      compression: this.opts.gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    };
    const otlp = this.opts.encoding === "protobuf" ? new OTLPProtoLogExporter(config) : new OTLPLogExporter(config);
    // Counts what each export ended as, after the exporter's own retries.
    const exporter: LogRecordExporter = {
      export: (records, done) =>
        otlp.export(records, (result) => {
          this.record(records.length, result);
          done(result);
        }),
      shutdown: () => otlp.shutdown(),
      forceFlush: () => otlp.forceFlush(),
    };
    this.provider = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": this.producer }),
      processors: [
        new BatchLogRecordProcessor({
          exporter,
          maxExportBatchSize: this.opts.maxExportBatchSize,
          scheduledDelayMillis: this.opts.scheduledDelayMillis,
        }),
      ],
    });
    this.logger = this.provider.getLogger("bluegreen-load");
  }

  start(): void {
    this.stopPacing ??= pace(this.opts.recordsPerSecond, 1, () => {
      if (!this.paused) this.emit(`${this.producer} record`);
    });
  }

  /**
   * One export of about `bytes`: after a flush, a full batch (`maxExportBatchSize`) of records padded to size,
   * which the batch processor exports at once as one request.
   */
  async emitLarge(bytes: number): Promise<void> {
    this.paused = true;
    try {
      await this.provider.forceFlush();
      const pad = "x".repeat(Math.max(0, Math.floor(bytes / this.opts.maxExportBatchSize) - 400));
      for (let i = 0; i < this.opts.maxExportBatchSize; i++) this.emit(pad);
    } finally {
      this.paused = false;
    }
  }

  private emit(text: string): void {
    const seq = ++this.seq;
    this.s.sent++;
    this.logger.emit({
      severityNumber: SeverityNumber.INFO,
      severityText: "INFO",
      body: `${text} ${seq}`,
      attributes: { producer: this.producer, seq },
    });
  }

  async stop(timeoutMs = 30_000): Promise<ProducerStats> {
    this.stopPacing?.();
    await this.provider.forceFlush({ timeoutMillis: timeoutMs });
    await this.provider.shutdown();
    return this.stats();
  }

  stats(): ProducerStats {
    return structuredClone(this.s);
  }

  private record(n: number, result: ExportResult): void {
    if (result.code === EXPORT_SUCCESS) {
      this.s.acked += n;
      return;
    }
    this.s.dropped += n;
    const status = (result.error as { code?: number } | undefined)?.code;
    countInto(this.s.errors, status !== undefined ? String(status) : (result.error?.message ?? "export failed"));
  }
}
