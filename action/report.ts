import * as core from "@actions/core";
import type { Outcome } from "../control/outcome";
import { seconds, watchLine } from "../control/timing";
import { COLORS, type Deployment, type Probe, quantile, type State } from "../shared";

type Row = Parameters<typeof core.summary.addTable>[0][number];

const HISTORY_ROWS = 10;

/** Summary tables take HTML: everything that came from the Worker or an origin is escaped. */
const esc = (s: string | number | null | undefined) =>
  String(s ?? "—").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const header = (...cells: string[]): Row => cells.map((data) => ({ data, header: true }));
const time = (iso: string) => esc(iso.slice(11, 23));

function timelineRows(o: Outcome): Row[] {
  const rows = [
    ...o.timeline.map((t) => ({ ...t, by: "action" })),
    ...(o.deployment?.steps ?? []).map((s) => ({ at: s.at, step: s.status, detail: s.detail ?? "", by: "worker" })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return rows.map((r) => [time(r.at), esc(r.by), `<code>${esc(r.step)}</code>`, esc(r.detail)]);
}

/** One row per phase and check: how many passed, latency p95, and the last failure's detail. */
function probeRows(probes: Probe[]): Row[] {
  const groups = new Map<string, Probe[]>();
  for (const p of probes) groups.set(`${p.phase} ${p.check}`, [...(groups.get(`${p.phase} ${p.check}`) ?? []), p]);
  return [...groups].map(([key, list]) => {
    const passed = list.filter((p) => p.ok).length;
    const latencies = list.flatMap((p) => (p.latencyMs === undefined ? [] : [p.latencyMs]));
    const lastFailure = list.findLast((p) => !p.ok);
    return [
      esc(key),
      `${passed}/${list.length}${passed === list.length ? " ✅" : " ❌"}`,
      esc(quantile(latencies, 0.95)),
      esc(lastFailure ? lastFailure.detail : list.at(-1)?.detail),
    ];
  });
}

function colorRows(state: State): Row[] {
  return COLORS.map((c) => {
    const info = state.colors[c];
    const waiting = info.drain?.waitingFor.length ? ` (waiting for ${esc(info.drain.waitingFor.join("; "))})` : "";
    const role =
      c === state.active
        ? "<b>active</b>"
        : info.drainingUntil
          ? `standby, draining until at least ${esc(info.drainingUntil)}${waiting}`
          : "standby";
    return [esc(c), role, esc(info.version), esc(info.health), esc(info.origin)];
  });
}

function addDeployment(d: Deployment): void {
  const s = d.summary;
  core.summary.addRaw(
    `<p>Deployment <code>${esc(d.id)}</code>: <b>${esc(d.version)}</b> to <b>${esc(d.color)}</b> (from ${esc(d.previousColor)}), ` +
      `auto-promote ${d.autoPromote}, watch ${d.watchSeconds} s${s ? `; pre-promotion probes ${s.samples} samples, ${s.errors} errors, p95 ${esc(s.p95Ms)} ms` : ""}.</p>`,
    true,
  );
  if (d.probes.length) {
    core.summary.addHeading("Probes", 3);
    core.summary.addTable([
      header("phase / check", "passed", "p95 ms", "last failure (or last result)"),
      ...probeRows(d.probes),
    ]);
  }
  addMirror(d);
  addTrafficSteps(d);
  addConvergence(d);
}

/** The traffic plan (`steps`) with how far each step got and what the routers saw on the new color. */
function addTrafficSteps(d: Deployment): void {
  const plan = d.trafficSteps ?? [];
  if (!plan.length) return;
  core.summary.addHeading(`Traffic steps (${plan.map((x) => `${x.percent} %`).join(" → ")})`, 3);
  core.summary.addTable([
    header("step", "watched", "status", "epoch", "requests on the new color", "5xx", "timeouts", "why it ended"),
    ...plan.map((x, i) => [
      `${i + 1}: ${esc(x.percent)} %`,
      `${esc(x.seconds)} s`,
      esc(x.status),
      esc(x.epoch),
      esc(x.requests),
      esc(x.errors5xx),
      esc(x.timeouts),
      esc(x.detail),
    ]),
  ]);
}

/** Validation on mirrored live traffic (docs/deployments.md, "Mirroring"): the figures the verdict was given on. */
function addMirror(d: Deployment): void {
  const m = d.mirror;
  if (!m || m.status === "off") return;
  if (m.status === "unsupported") {
    core.summary.addHeading("Mirrored live traffic: unsupported", 3);
    core.summary.addRaw(`<p>${esc(m.detail)}</p>`, true);
    return;
  }
  core.summary.addHeading(`Mirrored live traffic (${esc(m.percent)} % of ingest): ${esc(m.status)}`, 3);
  core.summary.addTable([
    header("copies answered", "accepted (2xx)", "skipped at the bound", "5xx", "timeouts", "p95 ms (≤ bucket)"),
    [
      m.requests,
      m.acceptRate === null ? null : `${(m.acceptRate * 100).toFixed(1)} %`,
      m.skipped,
      m.errors5xx,
      m.timeouts,
      m.p95Ms,
    ].map(esc),
  ]);
  core.summary.addRaw(`<p>${esc(m.detail)}</p>`, true);
}

/** How long the routers took to follow each flag change of the deployment, and when the watch started. */
function addConvergence(d: Deployment): void {
  const list = d.convergence ?? [];
  if (list.length) {
    core.summary.addHeading("Convergence (router traffic on the new flag)", 3);
    core.summary.addTable([
      header("epoch", "to", "50 %", "99 %", "100 %", "requests by an older flag"),
      ...list.map((c) => [
        esc(c.epoch),
        esc(c.color),
        seconds(c.reached["50"]),
        seconds(c.reached["99"]),
        seconds(c.reached["100"]),
        `${esc(c.requests.older)} of ${esc(c.requests.older + c.requests.current)}`,
      ]),
    ]);
  }
  const watch = watchLine(d);
  if (watch) core.summary.addRaw(`<p>${esc(watch)}.</p>`, true);
}

/** The job summary: what happened, when, what the probes saw, and who serves now. */
export async function writeReport(o: Outcome, workerUrl: string | undefined): Promise<void> {
  // Outside GitHub (a local run) there is no summary file to write.
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const verdict = o.result ?? (o.failure ? "failed" : "ok");
  const icon = o.failure ? "❌" : "✅";
  core.summary.addHeading(`${icon} Blue/green ${esc(o.command)}: ${esc(verdict)}`, 2);
  if (o.failure) core.summary.addRaw(`<p><b>Why:</b> ${esc(o.failure)}</p>`, true);
  if (o.activeColor) {
    const serving = o.state?.colors[o.activeColor].version;
    const change =
      o.command === "status" || !o.previousColor
        ? ""
        : o.previousColor === o.activeColor
          ? " (unchanged)"
          : ` (was ${esc(o.previousColor)})`;
    core.summary.addRaw(
      `<p>Serving: <b>${esc(o.activeColor)}</b>${serving ? `, version <code>${esc(serving)}</code>` : ""}${change}.</p>`,
      true,
    );
  }
  if (o.deployment) addDeployment(o.deployment);
  const timeline = timelineRows(o);
  if (timeline.length) {
    core.summary.addHeading("Timeline", 3);
    core.summary.addTable([header("time (UTC)", "by", "step", "detail"), ...timeline]);
  }
  if (o.deployCommand && o.deployCommand.exitCode !== 0) {
    core.summary.addHeading("deploy-command output (last lines)", 3);
    core.summary.addCodeBlock(esc(o.deployCommand.tail.join("\n")));
  }
  if (o.standby) {
    const mark = o.standby.status === "ready" ? "🛡️" : o.standby.status === "unavailable" ? "⚠️" : "";
    core.summary.addHeading(`Standby: ${esc(o.standby.status)}`, 3);
    core.summary.addRaw(`<p>${mark} ${esc(o.standby.detail)}</p>`, true);
  }
  if (o.state?.flagInSync === false) {
    const f = o.state.flagSync;
    core.summary.addRaw(
      `<p>⚠️ <b>The flag is not in KV yet</b>${f?.outOfSyncSince ? ` (since ${esc(f.outOfSyncSince)})` : ""}: routers still route by the previous one; the Worker retries${f?.lastError ? ` (last error: ${esc(f.lastError)})` : ""}.</p>`,
      true,
    );
  }
  if (o.state) {
    core.summary.addHeading("Colors", 3);
    core.summary.addTable([header("color", "role", "version", "health", "origin"), ...colorRows(o.state)]);
    if (o.command === "status" && o.state.history.length) {
      core.summary.addHeading("Recent history", 3);
      core.summary.addTable([
        header("finished", "kind", "version", "from → to", "status", "reason"),
        ...o.state.history
          .slice(0, HISTORY_ROWS)
          .map((h) => [
            esc(h.finishedAt ?? "running"),
            esc(h.kind),
            esc(h.version),
            `${esc(h.from)} → ${esc(h.to)}`,
            esc(h.status),
            esc(h.reason),
          ]),
      ]);
    }
  }
  if (workerUrl) core.summary.addLink("Live dashboard", `${workerUrl}/dashboard`);
  await core.summary.write();
}
