// The running deployment's outcomes per ingest path: the latest canary per format (probes) and what the
// routers reported for the watched color (the watch's evidence), side by side.

import { esc, percent } from "./format.js";

/** @typedef {import("../../../../shared/schemas").Deployment} Deployment */

/** The row of the watch's totals, sorted last. */
const ALL = "all paths";

/**
 * @param {Deployment} d
 * @returns {Map<string, { canaries: Map<string, boolean>, requests: number | null, errors5xx: number }>}
 */
function byPath(d) {
  const rows = new Map();
  /** @param {string} path */
  const row = (path) => {
    let r = rows.get(path);
    if (!r) {
      r = { canaries: new Map(), requests: null, errors5xx: 0 };
      rows.set(path, r);
    }
    return r;
  };
  // Probes are kept oldest first: the last one per target is the latest.
  for (const p of d.probes) {
    if (p.check !== "canary" || !p.target) continue;
    const [path = p.target, format = ""] = p.target.split(" ");
    row(path).canaries.set(format, p.ok);
  }
  for (const [path, c] of Object.entries(d.watch?.paths ?? {})) {
    const r = row(path);
    r.requests = c.requests;
    r.errors5xx = c.errors5xx;
  }
  // The watch's totals, whether or not the routers report paths.
  if (d.watch) {
    const all = row(ALL);
    all.requests = d.watch.requests;
    all.errors5xx = d.watch.errors5xx;
  }
  return rows;
}

/** A table of outcomes per path, or nothing when there is none yet. @param {Deployment} d */
export function pathOutcomes(d) {
  const rows = [...byPath(d)]
    .sort(([a], [b]) => Number(a === ALL) - Number(b === ALL) || a.localeCompare(b))
    .map(([path, r]) => {
      const canaries =
        [...r.canaries]
          .map(([format, ok]) => `<span class="health ${ok ? "ok" : "bad"}">${ok ? "✓" : "✕"} ${esc(format)}</span>`)
          .join(" ") || "—";
      const rate = r.requests ? r.errors5xx / r.requests : null;
      return `<tr class="${rate || [...r.canaries.values()].includes(false) ? "failed" : ""}">
        <td class="mono">${esc(path)}</td><td>${canaries}</td>
        <td class="num">${r.requests ?? "—"}</td><td class="num">${r.requests === null ? "—" : r.errors5xx}</td>
        <td class="num">${percent(rate)}</td></tr>`;
    })
    .join("");
  if (!rows) return "";
  return `<h3>Per path</h3><div class="table-wrap"><table class="probes paths"><thead><tr><th>Path</th><th>Latest canary</th><th class="num">Router requests</th><th class="num">5xx</th><th class="num">5xx rate</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
