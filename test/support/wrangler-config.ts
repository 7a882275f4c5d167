import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** The project's wrangler.toml cut into blocks: the preamble, then one per `[table]` or `[[array]]` header. */
function blocks(toml: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of toml.split("\n")) {
    if (line.startsWith("[") && current.length) {
      out.push(current.join("\n"));
      current = [];
    }
    current.push(line);
  }
  out.push(current.join("\n"));
  return out;
}

const SPOOL_TABLES = ["[[queues.producers]]", "[[queues.consumers]]", "[[r2_buckets]]"];

/**
 * A variant of the project's wrangler.toml (still its single source of bindings) for tests that need the Worker
 * without its spool bindings, or with another queue setting; written under .tmp/ and passed as `config`.
 */
export function derivedConfig(name: string, opts: { spool: boolean; maxRetries?: number }): string {
  let toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  if (!opts.spool)
    toml = blocks(toml)
      .filter((b) => !SPOOL_TABLES.some((t) => b.startsWith(t)))
      .join("\n");
  // The first consumer is the spool's own queue (its dead-letter queue's consumer comes after it).
  if (opts.maxRetries !== undefined) toml = toml.replace(/^max_retries = \d+$/m, `max_retries = ${opts.maxRetries}`);
  toml = toml.replace(/^main = "(.*)"$/m, (_, main: string) => `main = ${JSON.stringify(join(ROOT, main))}`);
  const dir = join(ROOT, ".tmp", `wrangler-${name}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "wrangler.toml");
  // Written aside and renamed: test files starting Workers at once never read a half-written file.
  const aside = `${path}.${randomUUID()}`;
  writeFileSync(aside, toml);
  renameSync(aside, path);
  return path;
}

/** The Worker as the project declares it minus SPOOL and SPOOL_BUCKET: a batch no color took is answered 503. */
export const withoutSpool = () => derivedConfig("no-spool", { spool: false });
