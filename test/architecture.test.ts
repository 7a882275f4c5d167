// Invariants of the code's shape that no behaviour test would notice breaking: ARCHITECTURE.md's code map
// ("what it must not import") and the flag's one writer.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

interface Source {
  path: string;
  text: string;
}

function sources(dir: string): Source[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    if (!/\.(tsx?|js)$/.test(e.name) || /\.test\.ts$/.test(e.name)) return [];
    return [{ path, text: readFileSync(join(root, path), "utf8") }];
  });
}

/** Source files that write or delete the flag's KV key: by the binding's name, by FLAG_KEY, or by its value. */
function flagWriters(files: Source[]): string[] {
  const write = /ROUTING\s*\.\s*(put|delete)\s*\(|\.(put|delete)\s*\(\s*(FLAG_KEY\b|["'`]active["'`])/;
  return files.filter((f) => write.test(f.text)).map((f) => f.path);
}

/** Every relative import (`from "…"`, `import("…")`, `export … from`) as `from -> to`, extensions dropped. */
function imports(files: Source[]): { from: string; to: string }[] {
  return files.flatMap((f) =>
    [...f.text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => ({
      from: f.path,
      to: normalize(join(dirname(f.path), m[1] ?? "")).replace(/\.(tsx?|js)$/, ""),
    })),
  );
}

/** ARCHITECTURE.md's "must not import", as (importer prefix, forbidden target prefix, allowed exceptions). */
const RULES: { from: string; not: string; except?: string[] }[] = [
  { from: "worker/router/", not: "worker/controller/", except: ["worker/controller/stub"] },
  ...["api", "dashboard", "notify", "audit"].map((f) => ({ from: "worker/router/", not: `worker/${f}/` })),
  { from: "worker/flag/", not: "worker/controller/", except: ["worker/controller/stub"] },
  { from: "worker/tier/", not: "worker/controller/", except: ["worker/controller/stub"] },
  ...["api", "dashboard", "notify", "audit"].map((f) => ({ from: "worker/tier/", not: `worker/${f}/` })),
  { from: "worker/flag/", not: "worker/router/" },
  ...["controller", "router", "flag", "api", "audit", "notify", "dashboard", "http", "auth"].map((f) => ({
    from: "worker/validation/",
    not: `worker/${f}/`,
  })),
  ...["api", "dashboard", "index"].map((f) => ({ from: "worker/controller/", not: `worker/${f}` })),
  { from: "worker/api/", not: "worker/router/" },
  { from: "worker/api/", not: "worker/controller/", except: ["worker/controller/stub", "worker/controller/result"] },
  ...["controller", "router", "flag", "api", "audit", "notify", "dashboard", "auth", "validation"].map((f) => ({
    from: "worker/http/",
    not: `worker/${f}/`,
  })),
  ...["controller", "router", "flag", "api", "audit", "notify", "http", "validation"].map((f) => ({
    from: "worker/auth/",
    not: `worker/${f}/`,
  })),
  ...["controller", "router", "flag", "api", "audit", "notify", "http", "auth", "validation"].map((f) => ({
    from: "worker/dashboard/",
    not: `worker/${f}/`,
  })),
  { from: "worker/env", not: "worker/controller/" },
  { from: "worker/spool/", not: "worker/controller/", except: ["worker/controller/stub"] },
  ...["api", "dashboard", "notify", "audit"].map((f) => ({ from: "worker/spool/", not: `worker/${f}/` })),
  { from: "worker/controller/", not: "worker/spool/", except: ["worker/spool/message", "worker/spool/report"] },
  ...["worker/", "action/", "test/"].map((not) => ({ from: "shared/", not })),
  ...["worker/", "action/", "cli/"].map((not) => ({ from: "control/", not })),
  ...["worker/", "cli/"].map((not) => ({ from: "action/", not })),
  // check-origin sends the Worker's own canary bodies and reads them back as its probes do; nothing else of the Worker.
  { from: "cli/", not: "worker/", except: ["worker/validation/canary", "worker/validation/readback"] },
  { from: "cli/", not: "action/" },
];

function broken(edges: { from: string; to: string }[]): string[] {
  return edges
    .filter(({ from, to }) =>
      RULES.some((r) => from.startsWith(r.from) && to.startsWith(r.not) && !(r.except ?? []).includes(to)),
    )
    .map(({ from, to }) => `${from} -> ${to}`);
}

test("one writer of the flag: only worker/controller/flag-writer.ts writes KV's flag", () => {
  const files = sources("worker");
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

test("each folder imports only what ARCHITECTURE.md's code map allows it", () => {
  const edges = imports(["worker", "shared", "control", "action", "cli"].flatMap(sources));
  expect(edges.length).toBeGreaterThan(100);
  expect(broken(edges)).toEqual([]);
});

test("the import rules catch a forbidden import and let the allowed exceptions through", () => {
  const edges = imports([
    {
      path: "worker/router/route.ts",
      text: 'import { a } from "../controller/core";\nimport { c } from "../controller/stub";',
    },
    { path: "worker/validation/probes.ts", text: 'import type { X } from "../../shared/index";' },
    { path: "shared/flag.ts", text: 'export { y } from "../worker/env";' },
    { path: "worker/api/routes.ts", text: 'const m = await import("../router/route.ts");' },
  ]);
  expect(broken(edges)).toEqual([
    "worker/router/route.ts -> worker/controller/core",
    "shared/flag.ts -> worker/env",
    "worker/api/routes.ts -> worker/router/route",
  ]);
});
