// Traffic steps on the page: the flag's split beside the active color, the deployment's step plan with
// each step's progress, and a chart marker per step.

import { colorName, esc, time } from "./format.js";

/** @typedef {import("../../../../shared/schemas").State} State */
/** @typedef {import("../../../../shared/schemas").Deployment} Deployment */
/** @typedef {import("./chart.js").Marker} Marker */

/** @param {Deployment | null} d */
const planOf = (d) => d?.trafficSteps ?? [];

/** The line under the active color while the flag splits traffic, else nothing. @param {State} s */
export function splitLine(s) {
  const split = s.flag.split;
  if (!split) return "";
  const plan = planOf(s.deployment);
  const i = plan.findIndex((x) => x.status === "running");
  const step = i === -1 ? "" : ` (step ${i + 1} of ${plan.length})`;
  return `<p class="split" id="split" data-color="${esc(split.color)}" data-percent="${esc(split.percent)}">Split: <strong>${esc(split.percent)} %</strong> of requests to <span class="chip chip-${esc(split.color)}">${colorName(split.color)}</span>${step}, the rest to ${colorName(s.flag.color)}</p>`;
}

/** @param {NonNullable<Deployment["trafficSteps"]>[number]} x @param {Deployment} d */
function figures(x, d) {
  // The running step's evidence is the watch's, live; an ended one keeps what it was judged on.
  const live = x.status === "running" && d.watch?.epoch === x.epoch ? d.watch : x;
  return x.status === "pending" || x.status === "skipped" ? "—" : `${live.requests} / ${live.errors5xx}`;
}

/** The deployment's step plan with where it stands, or nothing without steps. @param {Deployment} d */
export function trafficSteps(d) {
  const plan = planOf(d);
  if (!plan.length) return "";
  const rows = plan
    .map(
      (x, i) => `<tr class="step-${x.status}${x.status === "reverted" ? " failed" : ""}">
        <td>${i + 1}</td><td class="num">${x.percent} %</td><td>${esc(x.status)}</td><td class="num">${x.seconds} s</td>
        <td>${x.startedAt ? time(x.startedAt) : "—"}</td><td class="num">${figures(x, d)}</td><td class="detail">${esc(x.detail ?? "")}</td></tr>`,
    )
    .join("");
  return `<h3>Traffic steps</h3><div class="table-wrap"><table class="probes" id="traffic-steps"><thead><tr><th>Step</th><th class="num">To ${colorName(d.color)}</th><th>Status</th><th class="num">Watched</th><th>Started</th><th class="num">Requests / 5xx</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** A chart marker where each split step of the deployment started (the 100 % step is its switch). @param {Deployment | null} d */
export function stepMarkers(d) {
  /** @type {Marker[]} */
  const out = [];
  for (const x of planOf(d)) {
    if (d && x.startedAt && x.percent < 100)
      out.push({ t: Date.parse(x.startedAt), to: d.color, rollback: false, percent: x.percent });
  }
  return out;
}
