import { med } from "./figure";
import { type BenchResults, figures, worst } from "./report";
import { TARGETS } from "./router-cost";
import { summarize } from "./router-report";

interface Bar {
  label: string;
  value: number;
  /** drawn as a red tick on the bar's scale. */
  target?: number;
}

const W = 760;
const LABEL_W = 330;
const BAR_H = 22;
const GAP = 8;
const COLORS = ["#2563eb", "#0d9488", "#9ca3af", "#7c3aed"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** One titled panel of horizontal bars, as an inline SVG. */
function panel(title: string, unit: string, bars: readonly Bar[]): string {
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  const scale = Math.max(...bars.map((b) => Math.max(finite(b.value), b.target ?? 0)), 1) * 1.1;
  const plotW = W - LABEL_W - 90;
  const h = 30 + bars.length * (BAR_H + GAP);
  const x = (v: number) => LABEL_W + (Math.max(0, v) / scale) * plotW;
  const rows = bars.map((b, i) => {
    const y = 28 + i * (BAR_H + GAP);
    const target =
      b.target === undefined
        ? ""
        : `<line x1="${x(b.target)}" x2="${x(b.target)}" y1="${y - 3}" y2="${y + BAR_H + 3}" stroke="#dc2626" stroke-width="2"><title>target ${b.target} ${unit}</title></line>`;
    return `<text x="${LABEL_W - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}${b.target === undefined ? "" : ` (≤ ${b.target})`}</text>
<rect x="${LABEL_W}" y="${y}" width="${x(finite(b.value)) - LABEL_W}" height="${BAR_H}" fill="${COLORS[i % COLORS.length]}"/>
<text x="${x(finite(b.value)) + 6}" y="${y + 15}">${Number.isFinite(b.value) ? `${Math.round(b.value)} ${unit}` : "not seen"}</text>${target}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" font-family="system-ui, sans-serif" font-size="13">
<text x="0" y="16" font-weight="600">${esc(title)}</text>
${rows.join("\n")}
</svg>`;
}

/** A self-contained page (no scripts, no CDN): router cost and switch/rollback latency against targets. */
export function html(r: BenchResults): string {
  const s = summarize(r.router.workerd);
  const dev = summarize(r.router.dev);
  const cpu = (t: "router" | "bare") => med(r.router.workerd[t].flatMap((x) => (x.cpuUs === null ? [] : [x.cpuUs])));
  const cold = (t: "router" | "bare") => med(r.router.coldStarts[t].map((x) => x.start.cpuMs));
  const met = figures(r).filter((f) => f.met !== null);
  const probes = r.probeIntervalMs;
  const panels = [
    // The origin alone is many times faster than any Worker in front of it: it would flatten the Worker bars.
    panel(`Throughput in workerd (req/s, median of rounds; direct to origin: ${Math.round(s.direct.rps)})`, "req/s", [
      { label: "router", value: s.router.rps },
      { label: "bare", value: s.bare.rps },
    ]),
    panel("CPU per request in workerd (µs, median of rounds)", "µs", [
      { label: "router", value: cpu("router") },
      { label: "bare", value: cpu("bare") },
    ]),
    panel(
      "Latency p99 in workerd (ms, median of rounds)",
      "ms",
      TARGETS.map((t) => ({ label: t, value: s[t].p99Ms })),
    ),
    panel(
      `Throughput under wrangler dev (req/s, median of rounds; direct to origin: ${Math.round(dev.direct.rps)})`,
      "req/s",
      [
        { label: "router", value: dev.router.rps },
        { label: "bare", value: dev.bare.rps },
      ],
    ),
    panel("Cold start in workerd: CPU until the Worker listens (ms, median)", "ms", [
      { label: "router", value: cold("router") },
      { label: "bare", value: cold("bare") },
    ]),
    panel("Switch and rollback (ms, worst trial; red = target)", "ms", [
      { label: "promote → 100% new color", value: worst(r.switches.map((t) => t.ms)), target: r.flagCacheMs + 100 },
      {
        label: "first failing probe → flag reverted",
        value: worst(r.rollbacks.map((t) => t.revertMs)),
        target: probes + 100,
      },
      {
        label: "origin fails → flag reverted",
        value: worst(r.rollbacks.map((t) => t.detectMs + t.revertMs)),
        target: probes + 100,
      },
      {
        label: "origin fails → routers on old color",
        value: worst(r.rollbacks.map((t) => t.servedMs)),
        target: probes + r.flagCacheMs + 100,
      },
    ]),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edge-bluegreen benchmarks</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#111}svg{display:block;margin:1.5rem 0}</style></head>
<body>
<h1>edge-bluegreen benchmarks</h1>
<p>${esc(r.startedAt.toISOString())} · ${r.machine.nproc} CPUs, ${esc(r.machine.cpu)} · Node ${esc(r.machine.node)}, wrangler ${esc(r.machine.wrangler)}, workerd ${esc(r.machine.workerd)} · targets met: ${met.filter((f) => f.met).length}/${met.length} · details in results.md</p>
${panels.join("\n")}
</body></html>
`;
}
