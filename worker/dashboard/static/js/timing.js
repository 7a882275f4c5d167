// Production timing on the dashboard: how far the routers have moved to the current flag, which edge
// locations report, whether KV holds it, and what a draining color still waits for. Every string from the
// state goes through esc().

import { ago, esc, percent, time } from "./format.js";

/** @typedef {import("../../../../shared/schemas").State} State */
/** @typedef {import("../../../../shared/schemas").Convergence} Convergence */
/** @typedef {import("../../../../shared/schemas").ColorInfo} ColorInfo */
/** @typedef {import("../../../../shared/schemas").CoverageState} CoverageState */

/** @param {number | null} ms */
const after = (ms) => (ms === null ? "not yet" : `${(ms / 1000).toFixed(1)} s`);

/**
 * When the routers reached 50/99/100 % of the current epoch, counted from its switch. Epoch 0 (the initial
 * flag) had no switch: its times would count from 1970.
 * @param {Convergence} c
 */
function milestones(c) {
  if (c.epoch === 0) return "no switch yet";
  const r = c.reached;
  const older = c.requests.older ? ` · ${c.requests.older} requests by an older flag since the switch` : "";
  return `50 % after ${after(r["50"])} · 99 % after ${after(r["99"])} · 100 % after ${after(r["100"])}${older}`;
}

/**
 * The routers' share of traffic on the current epoch, live, and when it reached 50/99/100 %.
 * @param {Convergence | undefined} c
 */
export function convergence(c) {
  if (!c) return "";
  const share = c.share === null ? "no router traffic in the last seconds" : `${percent(c.share)} of router traffic`;
  return `<p class="convergence" id="convergence" data-epoch="${c.epoch}" data-share="${c.share ?? ""}">
      <span class="label">Routers on epoch ${c.epoch}:</span> <strong>${share}</strong>
      <span class="muted small">${milestones(c)}</span>
    </p>`;
}

/** A report's age: seconds, or whole minutes past 90 s. @param {number | null} ms */
const age = (ms) => (ms !== null && ms >= 90_000 ? `${Math.round(ms / 60_000)} min` : after(ms));

/**
 * The evidence coverage: how many edge locations' tiers report, and how lately. During a watch, most of them
 * falling silent keeps it from passing.
 * @param {CoverageState | undefined} c
 */
export function coverage(c) {
  if (!c) return "";
  const scope = c.since ? ` since the switch at ${time(c.since)}` : "";
  const count =
    c.locations === 0
      ? `<strong>none reported${scope || " in the last hour"}</strong>`
      : `<strong${c.collapsed ? ` class="bad-text"` : ""}>${c.reporting} of ${c.locations} reporting</strong> <span class="muted small">in the last ${c.windowMs / 1000} s${scope} · newest report ${age(c.newestAgeMs)} old, oldest ${age(c.oldestAgeMs)}</span>`;
  const collapsed = c.collapsed ? ` <strong class="bad-text">coverage collapsed: the watch cannot pass</strong>` : "";
  return `<p class="convergence coverage" id="coverage" data-locations="${c.locations}" data-reporting="${c.reporting}">
      <span class="label">Edge locations:</span> ${count}${collapsed}
    </p>`;
}

/**
 * A warning while KV does not hold the controller's flag: routers still route by the previous one.
 * @param {State} s @param {number} now
 */
export function flagSync(s, now) {
  const f = s.flagSync;
  if (s.flagInSync !== false || !f) return "";
  const since = f.outOfSyncSince ? ` since ${time(f.outOfSyncSince)} (${ago(f.outOfSyncSince, now)})` : "";
  const why = f.lastError
    ? ` ${f.failures} failed write${f.failures === 1 ? "" : "s"}, last: ${esc(f.lastError)}.`
    : "";
  const next = f.retryAt ? ` Next try ${time(f.retryAt)}.` : "";
  return `<p class="notice bad flag-sync" id="flag-sync" role="alert"><strong>Flag not in KV${since}:</strong> routers still route by the previous flag.${why}${next}</p>`;
}

/**
 * Why a color still drains, one reason a line.
 * @param {ColorInfo} c
 */
export function drainReasons(c) {
  const waiting = c.drain?.waitingFor ?? [];
  if (!waiting.length) return "";
  return `<ul class="drain-why" aria-label="Still draining because">${waiting.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>`;
}
