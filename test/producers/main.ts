// Steady log load against a running Worker (e.g. to watch the dashboard during a deployment):
//   tsx test/producers/main.ts --url http://127.0.0.1:8787 --shippers 3 --otel 1 --rate 100 --seconds 60
// Ctrl-C stops early; either way it drains, then prints each producer's figures as JSON.
import { parseArgs } from "node:util";
import { HttpShipper } from "./http-shipper";
import { OtelProducer } from "./otel-producer";
import type { Producer } from "./producer";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    shippers: { type: "string", default: "2" },
    otel: { type: "string", default: "1" },
    /** entries (or OTel records) per second, per producer. */
    rate: { type: "string", default: "100" },
    batch: { type: "string", default: "10" },
    seconds: { type: "string", default: "30" },
    prefix: { type: "string", default: `load-${process.pid}` },
  },
});
const url = values.url;
if (!url) {
  console.error("usage: main.ts --url WORKER_URL [--shippers N] [--otel N] [--rate N] [--batch N] [--seconds N]");
  process.exit(2);
}
const rate = Number(values.rate);
const range = (n: string) => Array.from({ length: Number(n) }, (_, i) => i + 1);
const producers: Producer[] = [
  ...range(values.shippers).map(
    (i) =>
      new HttpShipper({
        url,
        producer: `${values.prefix}-shipper-${i}`,
        entriesPerSecond: rate,
        batchSize: Number(values.batch),
      }),
  ),
  ...range(values.otel).map(
    (i) => new OtelProducer({ url, producer: `${values.prefix}-otel-${i}`, recordsPerSecond: rate }),
  ),
];
for (const p of producers) p.start();

const finished = new Promise<void>((resolve) => {
  setTimeout(resolve, Number(values.seconds) * 1000);
  process.once("SIGINT", () => resolve());
});
await finished;
const stats = await Promise.all(producers.map((p) => p.stop()));
console.log(JSON.stringify(stats, null, 2));
process.exit(0);
