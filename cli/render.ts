// How the state reads on a terminal: `status` prints it, `status --watch` redraws it on every event.
import { seconds } from "../control/timing";
import { COLORS, type Color, type CoverageState, type Deployment, type HistoryEntry, type State } from "../shared";
import type { Paint, Terminal } from "./terminal";

const HISTORY_ROWS = 5;
const PROBE_ROWS = 6;

const time = (iso: string | null | undefined) => (iso ? iso.slice(11, 19) : "—");
/** A report's age: seconds, or whole minutes past 90 s (outside a watch a location is kept for an hour). */
const age = (ms: number | null) => (ms !== null && ms >= 90_000 ? `${Math.round(ms / 60_000)} min` : seconds(ms));
const pct = (share: number | null) => (share === null ? "—" : `${Math.round(share * 100)} %`);

const STATUS_PAINT: Record<string, Paint> = {
  succeeded: "green",
  promoted: "green",
  rolled_back: "red",
  failed: "red",
  aborted: "yellow",
  rolled_back_manually: "yellow",
  awaiting_promotion: "cyan",
  awaiting_decision: "yellow",
};

/** Where requests may fail over now (null: nowhere), and in words, with since when and why when nowhere. */
export function protection(state: State): { target: Color | null; text: string } {
  const p = state.protection;
  // An older controller has no `protection`: the flag's `failover` says it (absent meaning yes).
  const target = p ? p.failoverTarget : state.flag.failover === false ? null : state.standby;
  if (target) return { target, text: `failover to ${target}` };
  return { target, text: `none${p?.since ? ` since ${time(p.since)}` : ""}: ${p?.reason ?? "no failover target"}` };
}

/** Which edge locations' tiers report, and how lately: a watch whose locations fall silent cannot pass. */
export function coverageText(t: Terminal, c: CoverageState): string {
  const scope = c.since ? ` since the switch at ${time(c.since)}` : "";
  if (c.locations === 0) return `none reported${scope || " in the last hour"}`;
  const ages = `newest report ${age(c.newestAgeMs)} old, oldest ${age(c.oldestAgeMs)}`;
  const text = `${c.reporting} of ${c.locations} reporting in the last ${c.windowMs / 1000} s${scope} (${ages})`;
  return c.collapsed ? t.paint("yellow", `${text}: coverage collapsed, the watch cannot pass`) : text;
}

/** The top lines: who serves what, the flag, the routers' convergence, protection. */
function overview(t: Terminal, s: State): string[] {
  const active = s.colors[s.active];
  const sync = s.flagInSync === false ? t.paint("red", "KV out of sync") : "in sync";
  const conv = s.convergence;
  const routers =
    conv && conv.share !== null
      ? `${pct(conv.share)} of router traffic on epoch ${conv.epoch}`
      : `no router traffic reported lately (epoch ${s.epoch})`;
  const p = protection(s);
  const guard = p.target ? p.text : t.paint("yellow", p.text);
  const lines = [
    `${t.paint("bold", "Active")}      ${t.paint("bold", s.active)}  ${active.version ?? "?"}  (epoch ${s.epoch}, flag ${sync})`,
    `Routers     ${routers}`,
    ...(s.coverage ? [`Locations   ${coverageText(t, s.coverage)}`] : []),
    `Protection  ${guard}`,
  ];
  const sp = s.spool;
  if (sp) {
    const backlog = sp.depth
      ? t.paint("yellow", `${sp.depth} waiting (oldest ${sp.oldestAgeSeconds ?? "?"} s)`)
      : "empty";
    lines.push(`Spool       ${backlog}, ${sp.delivered} delivered, ${sp.deadLettered} dead-lettered`);
  }
  return lines;
}

function colorLines(t: Terminal, s: State): string[] {
  return COLORS.map((c) => {
    const info = s.colors[c];
    const role = c === s.active ? "active " : "standby";
    const health = info.health === "healthy" ? t.paint("green", info.health) : t.paint("red", info.health);
    const drain = info.drainingUntil ? `, draining until ${time(info.drainingUntil)}` : "";
    return `  ${c.padEnd(5)}  ${role}  ${(info.version ?? "?").padEnd(12)} ${health}${drain}  ${t.paint("dim", info.origin)}`;
  });
}

/** The last result of each phase/check (a breach shows at once), failures first. */
function probeLines(t: Terminal, d: Deployment): string[] {
  const last = new Map<string, Deployment["probes"][number]>();
  for (const p of d.probes) last.set(`${p.phase} ${p.check}${p.target ? ` ${p.target}` : ""}`, p);
  const rows = [...last].sort(([, a], [, b]) => Number(a.ok) - Number(b.ok)).slice(0, PROBE_ROWS);
  return rows.map(([key, p]) => `    ${p.ok ? t.paint("green", "✔") : t.paint("red", "✘")} ${key}: ${p.detail}`);
}

function deploymentLines(t: Terminal, d: Deployment): string[] {
  const status = t.paint(STATUS_PAINT[d.status] ?? "bold", d.status);
  const lines = [
    `${t.paint("bold", "Deployment")}  ${d.id}  ${d.version} → ${d.color}  ${status}${d.reason ? `: ${d.reason}` : ""}`,
    `  started ${time(d.createdAt)}${d.actor ? ` by ${d.actor}` : ""}, auto-promote ${d.autoPromote}, watch ${d.watchSeconds} s`,
  ];
  if (d.probes.length) lines.push(`  probes (${d.probes.length}, last of each):`, ...probeLines(t, d));
  const m = d.mirror;
  if (m && m.status !== "off") {
    const accept = m.acceptRate === null ? "—" : pct(m.acceptRate);
    lines.push(
      `  mirror ${m.percent} %: ${m.status}, ${m.requests} copies, ${accept} accepted, ${m.errors5xx} 5xx, p95 ${m.p95Ms ?? "—"} ms`,
    );
  }
  const plan = d.trafficSteps ?? [];
  if (plan.length) {
    lines.push(`  traffic steps: ${plan.map((x) => `${x.percent} % ${x.status}`).join(" → ")}`);
  }
  for (const c of d.convergence ?? []) {
    lines.push(`  epoch ${c.epoch} → ${c.color}: 99 % after ${seconds(c.reached["99"])}`);
  }
  lines.push(`  steps: ${d.steps.map((s) => `${time(s.at)} ${s.status}`).join(" · ")}`);
  return lines;
}

export function historyLine(t: Terminal, h: HistoryEntry): string {
  const status = t.paint(STATUS_PAINT[h.status] ?? "bold", h.status);
  return `  ${h.startedAt.slice(0, 19).replace("T", " ")}  ${h.kind.padEnd(10)}  ${(h.version ?? "—").padEnd(12)} ${h.from} → ${h.to}  ${status}${h.reason ? `: ${h.reason}` : ""}${h.actor ? t.paint("dim", ` (${h.actor})`) : ""}`;
}

/** The whole state as `status` prints it. */
export function renderState(t: Terminal, s: State, url: string): string[] {
  const lines = [t.paint("dim", `edge-bluegreen  ${url}`), ...overview(t, s), "", "Colors", ...colorLines(t, s), ""];
  lines.push(...(s.deployment ? deploymentLines(t, s.deployment) : ["Deployment  none"]), "");
  lines.push(s.history.length ? "History (latest first)" : "History     empty");
  lines.push(...s.history.slice(0, HISTORY_ROWS).map((h) => historyLine(t, h)));
  return lines;
}

/**
 * For `--watch` off a terminal: a line when what serves changes, and one per new step of the deployment
 * (each phase, even when two of them came in one event).
 */
export function changeLines(prev: State | null, s: State): string[] {
  const lines: string[] = [];
  const serving = (x: State) =>
    `active=${x.active} version=${x.colors[x.active].version ?? "?"} epoch=${x.epoch} protection=${protection(x).target ?? "none"}`;
  if (!prev || serving(prev) !== serving(s)) lines.push(`${new Date().toISOString()} ${serving(s)}`);
  const d = s.deployment;
  if (!d) return lines;
  const seen = prev?.deployment?.id === d.id ? prev.deployment.steps.length : 0;
  for (const step of d.steps.slice(seen)) {
    lines.push(
      `${step.at} deployment=${d.id} version=${d.version} color=${d.color} status=${step.status}${step.detail ? ` (${step.detail})` : ""}`,
    );
  }
  return lines;
}
