// `npm run check:bundle`: the Worker builds (`wrangler deploy --dry-run`) and stays within its size budget.
import { BUNDLE_BUDGET_BYTES, bundleWorker, kib } from "./worker-bundle";

const b = await bundleWorker("wrangler.toml", ".tmp/bundle");
const line = `Worker bundle ${kib(b.totalBytes)} (entry module ${kib(b.entryBytes)}, gzip ${kib(b.gzipBytes)}); budget ${kib(BUNDLE_BUDGET_BYTES)}`;
if (b.totalBytes > BUNDLE_BUDGET_BYTES) {
  console.error(
    `${line}: over budget. Cut what the edge does not need, or raise BUNDLE_BUDGET_BYTES in scripts/worker-bundle.ts on purpose.`,
  );
  process.exit(1);
}
console.log(line);
