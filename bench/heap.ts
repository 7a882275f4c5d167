// V8 heap snapshots (.heapsnapshot, as DevTools writes them) compared by constructor, with a retainer path
// for what grew. `npx tsx bench/heap.ts a.heapsnapshot b.heapsnapshot` prints the comparison.
import { readFile } from "node:fs/promises";

interface Raw {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface Group {
  count: number;
  bytes: number;
}

export interface Heap {
  totalBytes: number;
  groups: Map<string, Group>;
  /** `retainers(key)`: how the newest objects of a group are held, e.g. `Traffic.series → Object.blue → …`. */
  retainers(key: string, samples?: number): string[];
}

/** One group per constructor (objects), per function name (closures), else per V8 node type. */
function groupKey(type: string, name: string): string {
  const n = name.replace(/ @\d+$/, "");
  if (type === "object") return n.startsWith("system / Context") ? "(context)" : n;
  if (type === "closure") return `${n || "(anonymous)"}()`;
  if (type.includes("string")) return "(string)";
  if (type === "native" || type === "hidden" || type === "synthetic") return `(${type}) ${n.slice(0, 60)}`;
  return `(${type})`;
}

export function parseHeap(raw: Raw): Heap {
  const { meta } = raw.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [TYPE, NAME, ID, SIZE, EDGES] = ["type", "name", "id", "self_size", "edge_count"].map((f) =>
    meta.node_fields.indexOf(f),
  ) as [number, number, number, number, number];
  const [E_TYPE, E_NAME, E_TO] = ["type", "name_or_index", "to_node"].map((f) => meta.edge_fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = raw;
  const count = nodes.length / nf;
  const type = (i: number) => nodeTypes[nodes[i * nf + TYPE] ?? 0] ?? "";
  const name = (i: number) => strings[nodes[i * nf + NAME] ?? 0] ?? "";
  const key = (i: number) => groupKey(type(i), name(i));

  const groups = new Map<string, Group>();
  let totalBytes = 0;
  // The first strong retainer of each node (a path up to the roots, enough to name the owner).
  const retainer = new Int32Array(count).fill(-1);
  const retainedAs: string[] = new Array(count);
  let edge = 0;
  for (let i = 0; i < count; i++) {
    const size = nodes[i * nf + SIZE] ?? 0;
    totalBytes += size;
    const g = groups.get(key(i)) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += size;
    groups.set(key(i), g);
    const edgeCount = nodes[i * nf + EDGES] ?? 0;
    for (let e = 0; e < edgeCount; e++, edge++) {
      const et = edgeTypes[edges[edge * ef + E_TYPE] ?? 0];
      const to = (edges[edge * ef + E_TO] ?? 0) / nf;
      if (et === "weak" || et === "shortcut" || retainer[to] !== -1 || to === i) continue;
      retainer[to] = i;
      const n = edges[edge * ef + E_NAME] ?? 0;
      retainedAs[to] = et === "element" || et === "hidden" ? `[${n}]` : (strings[n] ?? "?");
    }
  }

  const retainers = (k: string, samples = 2): string[] => {
    const members: number[] = [];
    for (let i = 0; i < count; i++) if (key(i) === k) members.push(i);
    // Highest ids are the most recently allocated: the ones a leak keeps adding.
    members.sort((a, b) => (nodes[b * nf + ID] ?? 0) - (nodes[a * nf + ID] ?? 0));
    return members.slice(0, samples).map((m) => {
      const path: string[] = [];
      for (let i = m, depth = 0; retainer[i] !== -1 && depth < 10; depth++) {
        const owner = retainer[i] as number;
        path.push(`${key(owner)}.${retainedAs[i]}`);
        if (type(owner) === "synthetic") break;
        i = owner;
      }
      return path.join(" ← ");
    });
  };
  return { totalBytes, groups, retainers };
}

export async function loadHeap(path: string): Promise<Heap> {
  return parseHeap(JSON.parse(await readFile(path, "utf8")) as Raw);
}

export interface Growth {
  key: string;
  countDelta: number;
  bytesDelta: number;
  count: number;
  bytes: number;
}

/** Groups that grew from `a` to `b`, most bytes first. */
export function growth(a: Heap, b: Heap, top = 12): Growth[] {
  return [...b.groups]
    .map(([key, g]) => {
      const before = a.groups.get(key) ?? { count: 0, bytes: 0 };
      return { key, countDelta: g.count - before.count, bytesDelta: g.bytes - before.bytes, ...g };
    })
    .filter((g) => g.bytesDelta > 0)
    .sort((x, y) => y.bytesDelta - x.bytesDelta)
    .slice(0, top);
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** A readable comparison: totals, the groups that grew most, and how their newest members are held. */
export function describeGrowth(a: Heap, b: Heap, top = 12): string {
  const lines = [`total ${kib(a.totalBytes)} → ${kib(b.totalBytes)} (${kib(b.totalBytes - a.totalBytes)})`];
  for (const g of growth(a, b, top)) {
    lines.push(
      `  +${kib(g.bytesDelta).padStart(10)}  +${String(g.countDelta).padStart(6)}  ${g.key}  (now ${g.count})`,
    );
    for (const r of b.retainers(g.key, 1)) lines.push(`      held by ${r}`);
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const [first, ...rest] = process.argv.slice(2);
  if (!first || rest.length === 0) throw new Error("usage: tsx bench/heap.ts a.heapsnapshot b.heapsnapshot [c …]");
  let prev = { path: first, heap: await loadHeap(first) };
  for (const path of rest) {
    const next = { path, heap: await loadHeap(path) };
    console.log(`${prev.path} → ${path}\n${describeGrowth(prev.heap, next.heap)}\n`);
    prev = next;
  }
}
