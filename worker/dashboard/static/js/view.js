// HTML for each part of the page, from the state. Every string from the state goes through esc().

import {
  ago,
  badge,
  clock,
  colorName,
  duration,
  esc,
  millis,
  percent,
  perSecond,
  statusLabel,
  time,
} from "./format.js";
import { pathOutcomes } from "./paths.js";
import { splitLine, trafficSteps } from "./steps.js";
import * as timing from "./timing.js";

/** @typedef {import("../../../../shared/schemas").State} State */
/** @typedef {import("../../../../shared/schemas").Color} Color */
/** @typedef {import("../../../../shared/schemas").Deployment} Deployment */
/** @typedef {import("../../../../shared/schemas").HistoryEntry} HistoryEntry */
/** @typedef {import("./traffic.js").LiveStats} LiveStats */

const PROBES_SHOWN = 8;

/** @param {Deployment} d */
const isDone = (d) => d.finishedAt !== null;

/** @param {State["colors"]["blue"]["health"]} health */
const healthText = (health) =>
  ({
    healthy: `<span class="health ok">✓ Healthy</span>`,
    unhealthy: `<span class="health bad">✕ Unhealthy</span>`,
    unknown: `<span class="health unknown">? Unknown</span>`,
  })[health];

/** @param {State} s @param {number} now */
export function hero(s, now) {
  const info = s.colors[s.active];
  const standby = s.colors[s.standby];
  const since =
    s.flag.epoch === 0 ? "initial color" : `since ${time(s.flag.updatedAt)} (${ago(s.flag.updatedAt, now)})`;
  return `
    <div class="swatch swatch-${s.active}" aria-hidden="true"></div>
    <div>
      <p class="eyebrow">Active color · serving ${s.flag.split ? `${100 - s.flag.split.percent} % of` : "all"} traffic</p>
      <p class="active-name ${s.active}" id="active-name" data-color="${s.active}">${colorName(s.active).toUpperCase()}</p>
      <p class="hero-meta">
        <span>Version <strong>${esc(info.version ?? "unknown")}</strong></span>
        <span>Epoch <strong>${s.epoch}</strong></span>
        <span>${since}</span>
      </p>
      ${splitLine(s)}
      ${timing.convergence(s.convergence)}
      ${timing.coverage(s.coverage)}
      <p class="standby muted">Standby: ${colorName(s.standby)} · ${esc(standby.version ?? "version unknown")} · ${standby.health}${
        standby.drainingUntil ? ` · warm until at least ${time(standby.drainingUntil)}` : ""
      }</p>
      ${timing.flagSync(s, now)}
    </div>`;
}

/** What the platform's DRAIN_PATH last said. @param {NonNullable<State["colors"]["blue"]["inflight"]>} f */
function inflightText(f) {
  return f.count === null ? `unknown (${esc(f.error ?? "")})` : `${f.count} ${f.count === 1 ? "item" : "items"}`;
}

/** @param {State} s @param {Color} color @param {LiveStats} live */
export function envCard(s, color, live) {
  const c = s.colors[color];
  const role = s.active === color ? "Active" : "Standby";
  const target = s.deployment && s.deployment.color === color && !isDone(s.deployment);
  return `
    <article class="env env-${color}${s.active === color ? " is-active" : ""}" id="env-${color}" aria-label="${colorName(color)} environment">
      <header>
        <h3><span class="dot dot-${color}" aria-hidden="true"></span>${colorName(color)}</h3>
        <span class="role ${role.toLowerCase()}">${role}</span>
        ${c.drainingUntil ? `<span class="role draining" title="stays warm as the fallback">Draining</span>` : ""}
        ${target ? `<span class="role target">Deploy target</span>` : ""}
      </header>
      <dl>
        <div><dt>Version</dt><dd class="version">${esc(c.version ?? "—")}</dd></div>
        <div><dt>Health</dt><dd>${healthText(c.health)}</dd></div>
        ${c.configHash ? `<div><dt>Config</dt><dd class="config mono" title="configHash its health endpoint reports">${esc(c.configHash)}</dd></div>` : ""}
        <div><dt>Requests/s</dt><dd class="num">${perSecond(live.rps)}</dd></div>
        <div><dt>5xx rate</dt><dd class="num${live.errorRate ? " bad-text" : ""}">${percent(live.errorRate)}</dd></div>
        <div><dt>p95 latency</dt><dd class="num">${millis(live.p95Ms)}</dd></div>
        <div><dt title="router isolates that stopped sending to this color after consecutive failures, last 5 min">Ejections</dt><dd class="ejections num${live.ejections ? " bad-text" : ""}">${live.ejections}</dd></div>
        ${c.inflight ? `<div class="wide"><dt>In flight</dt><dd class="inflight num" title="DRAIN_PATH, asked ${esc(c.inflight.at)}">${inflightText(c.inflight)}</dd></div>` : ""}
        <div class="wide"><dt>Origin</dt><dd class="mono" title="${esc(c.origin)}">${esc(c.origin)}</dd></div>
      </dl>
      ${timing.drainReasons(c)}
    </article>`;
}

/**
 * The path a deployment takes, with where it stands: done, current, failed, pending or skipped.
 * @param {Deployment} d
 */
function phases(d) {
  const seen = new Map(d.steps.map((s) => [s.status, s]));
  const decision = seen.has("awaiting_decision") ? ["awaiting_decision"] : [];
  const path = ["validating", ...(d.autoPromote ? [] : ["awaiting_promotion"]), "promoted", "watching", ...decision];
  const items = path.map((status) => {
    const step = seen.get(/** @type {Deployment["status"]} */ (status));
    const state = d.status === status ? "current" : step ? "done" : isDone(d) ? "skipped" : "pending";
    return { label: statusLabel(status), state, at: step?.at };
  });
  if (isDone(d)) {
    items.push({
      label: statusLabel(d.status),
      state: d.status === "succeeded" ? "done" : "failed",
      at: d.finishedAt ?? undefined,
    });
  } else {
    items.push({ label: "Succeeded", state: "pending", at: undefined });
  }
  return items;
}

/** @type {Record<string, string>} */
const PHASE_ICON = { done: "✓", current: "●", failed: "✕", pending: "○", skipped: "–" };

/** @param {string} name @param {number} checks @param {number} failed @param {number | null} p95 */
const summaryLine = (name, checks, failed, p95) =>
  `<li><strong>${name}:</strong> ${checks} checks · <span class="${failed ? "bad-text" : ""}">${failed} failed</span> · p95 ${millis(p95)}</li>`;

/**
 * Validation on mirrored live traffic (docs/deployments.md, "Mirroring").
 * @param {NonNullable<Deployment["mirror"]>} m
 */
function mirrorLine(m) {
  // No copies at all: the reason is the whole line.
  if (m.status === "unsupported") {
    return `<li class="mirror"><strong>Mirroring:</strong> <span class="bad-text">unsupported</span> · ${esc(m.detail)}</li>`;
  }
  const rate = m.acceptRate === null ? "n/a" : `${(m.acceptRate * 100).toFixed(1)} %`;
  const bad = m.status === "failed" ? "bad-text" : "";
  return `<li class="mirror" title="${esc(m.detail)}"><strong>Mirrored ${m.percent} %:</strong> <span class="${bad}">${esc(m.status)}</span> · ${m.requests} copies · accepted ${rate} · ${m.skipped} skipped · <span class="${m.errors5xx ? "bad-text" : ""}">${m.errors5xx} 5xx</span> · p95 ≤ ${millis(m.p95Ms)}</li>`;
}

/** Nearest-rank 95th percentile. @param {number[]} values */
function p95Of(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.ceil(sorted.length * 0.95) - 1] ?? null) : null;
}

/**
 * Before the switch from the controller's running totals (it keeps only the latest probes);
 * after it from the probes kept.
 * @param {Deployment} d
 */
function probeSummary(d) {
  const lines = [];
  if (d.summary) lines.push(summaryLine("Before the switch", d.summary.samples, d.summary.errors, d.summary.p95Ms));
  if (d.mirror && d.mirror.status !== "off") lines.push(mirrorLine(d.mirror));
  // A readback's latency is the platform's indexing delay, not a request's: it gets a line of its own.
  const post = d.probes.filter((p) => p.phase === "post" && p.check !== "readback");
  const readbacks = d.probes.filter((p) => p.check === "readback");
  for (const [name, probes] of /** @type {const} */ ([
    ["After the switch (latest)", post],
    ["Readback (latest)", readbacks],
  ])) {
    if (probes.length === 0) continue;
    const latencies = probes.map((p) => p.latencyMs).filter((v) => v !== undefined);
    const failed = probes.filter((p) => !p.ok).length;
    lines.push(summaryLine(name, probes.length, failed, p95Of(latencies)));
  }
  return lines.join("");
}

/** @param {Deployment | null} d @param {number} now */
export function deployment(d, now) {
  if (!d) {
    return `<p class="empty">No deployment yet. The GitHub Action (or <code>POST /api/deployments</code>) starts one on the idle color.</p>`;
  }
  const t = d.thresholds;
  const elapsed = (d.finishedAt ? Date.parse(d.finishedAt) : now) - Date.parse(d.createdAt);
  const steps = phases(d)
    .map(
      (p) =>
        `<li class="phase ${p.state}"><span class="icon" aria-hidden="true">${PHASE_ICON[p.state]}</span><span class="label">${esc(p.label)}</span><span class="when">${p.at ? clock(p.at) : p.state}</span></li>`,
    )
    .join("");
  const log = d.steps
    .slice()
    .reverse()
    .map((s) => `<li>${time(s.at)}<span>${badge(s.status)} ${esc(s.detail ?? "")}</span></li>`)
    .join("");
  const probes = d.probes
    .slice(-PROBES_SHOWN)
    .reverse()
    .map(
      (p) => `<tr class="${p.ok ? "" : "failed"}">
        <td>${time(p.at)}</td><td>${p.phase === "pre" ? "before" : "after"}</td><td>${esc(p.check.replace("_", " "))}${p.target ? ` <span class="mono small">${esc(p.target)}</span>` : ""}</td>
        <td>${p.ok ? `<span class="health ok">✓ pass</span>` : `<span class="health bad">✕ fail</span>`}</td>
        <td class="num">${millis(p.latencyMs)}</td><td class="detail">${esc(p.detail)}</td></tr>`,
    )
    .join("");
  return `
    <div class="dep-head" id="dep-${esc(d.id)}">
      <div>
        <p class="dep-title"><strong class="version">${esc(d.version)}</strong> to <span class="chip chip-${d.color}">${colorName(d.color)}</span> ${badge(d.status)}</p>
        <p class="muted small">
          ${d.actor ? `by ${esc(d.actor)} · ` : ""}${d.sha ? `<span class="mono">${esc(d.sha.slice(0, 12))}</span> · ` : ""}started ${time(d.createdAt)} · ${isDone(d) ? "took" : "running for"} ${duration(elapsed)}
        </p>
      </div>
    </div>
    ${d.reason ? `<p class="notice ${d.status !== "succeeded" ? "bad" : d.reason.startsWith("low traffic") ? "warn" : "ok"}"><strong>${esc(statusLabel(d.status))}:</strong> ${esc(d.reason)}</p>` : ""}
    <ol class="phases" aria-label="Deployment steps">${steps}</ol>
    <div class="dep-grid">
      <div>
        <h3>Timeline</h3>
        <ol class="log">${log}</ol>
      </div>
      <div>
        <h3>Probes</h3>
        <ul class="probe-summary">${probeSummary(d)}</ul>
        ${trafficSteps(d)}
        ${pathOutcomes(d)}
        <p class="muted small">Thresholds: p95 ≤ ${t.maxP95Ms} ms · errors ≤ ${percent(t.maxErrorRate)} · ${t.minSamples} samples · every ${t.probeIntervalMs} ms · watch ${d.watchSeconds} s${d.autoPromote ? " · auto-promote" : ""}</p>
        ${
          probes
            ? `<div class="table-wrap"><table class="probes"><thead><tr><th>Time</th><th>Phase</th><th>Check</th><th>Result</th><th class="num">Latency</th><th>Detail</th></tr></thead><tbody>${probes}</tbody></table></div>`
            : `<p class="muted">No probe results yet.</p>`
        }
      </div>
    </div>`;
}

const KIND = { deployment: "Deployment", rollback: "Rollback", standby: "Standby" };

/**
 * @param {HistoryEntry[]} history
 * @param {Deployment | null} running the controller updates a deployment's history entry only when it ends
 * @param {number} now
 */
export function history(history, running, now) {
  if (history.length === 0) return `<p class="empty">Nothing has happened yet.</p>`;
  const rows = history
    .map((h) => {
      const status = running && h.id === running.id ? running.status : h.status;
      const took = h.finishedAt ? duration(Date.parse(h.finishedAt) - Date.parse(h.startedAt)) : "running";
      return `<tr>
        <td data-label="Started">${time(h.startedAt)} <span class="muted small">${ago(h.startedAt, now)}</span></td>
        <td data-label="Kind">${KIND[h.kind]}</td>
        <td data-label="Version" class="version">${esc(h.version ?? "—")}</td>
        <td data-label="Colors"><span class="chip chip-${h.from}">${colorName(h.from)}</span> → <span class="chip chip-${h.to}">${colorName(h.to)}</span></td>
        <td data-label="Result">${badge(status)}</td>
        <td data-label="Took">${took}</td>
        <td data-label="By">${esc(h.actor ?? "—")}</td>
        <td data-label="Reason" class="reason">${esc(h.reason ?? "—")}</td>
      </tr>`;
    })
    .join("");
  return `<div class="table-wrap"><table class="history"><thead><tr><th>Started</th><th>Kind</th><th>Version</th><th>Colors</th><th>Result</th><th>Took</th><th>By</th><th>Reason</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
