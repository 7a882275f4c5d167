// Invariants of the code's shape that no behaviour test would notice breaking (ARCHITECTURE.md, "Invariants").
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Source files that write or delete the flag's KV key: by the binding's name, by FLAG_KEY, or by its value. */
function flagWriters(files: { path: string; text: string }[]): string[] {
  const write = /ROUTING\s*\.\s*(put|delete)\s*\(|\.(put|delete)\s*\(\s*(FLAG_KEY\b|["'`]active["'`])/;
  return files.filter((f) => write.test(f.text)).map((f) => f.path);
}

test("one writer of the flag: only worker/controller/flag-writer.ts writes KV's flag", () => {
  const files = sources("worker").map((p) => ({
    path: relative(root, join(root, p)),
    text: readFileSync(join(root, p), "utf8"),
  }));
  expect(files.length).toBeGreaterThan(20);
  expect(flagWriters(files)).toEqual(["worker/controller/flag-writer.ts"]);
});

test("the writer check sees every way of writing the key", () => {
  const found = flagWriters([
    { path: "a", text: "await env.ROUTING.put(k, v)" },
    { path: "b", text: "await kv.put(FLAG_KEY, v)" },
    { path: "c", text: "await kv.delete('active')" },
    { path: "d", text: "await env.ROUTING.get(FLAG_KEY); await cache.put(request, response)" },
  ]);
  expect(found).toEqual(["a", "b", "c"]);
});
