// The edge spool panel: batches no color took, waiting for delivery; delivered and dead-lettered totals.

/** @typedef {import("../../../../shared/schemas").SpoolState} SpoolState */

/** @param {number} s */
const age = (s) => (s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

/** @param {SpoolState | undefined} s */
export function spool(s) {
  if (!s) {
    return `<p class="empty">Off. Bind <code>SPOOL</code> (a Queue) and <code>SPOOL_BUCKET</code> (R2) to store batches no color takes and deliver them later.</p>`;
  }
  const waiting = s.depth
    ? `<strong class="bad-text" id="spool-depth">${s.depth}</strong> waiting${s.oldestAgeSeconds === null ? "" : ` (oldest ${age(s.oldestAgeSeconds)})`}`
    : `<strong id="spool-depth">0</strong> waiting`;
  const dead = s.deadLettered
    ? `<strong class="bad-text" id="spool-dead">${s.deadLettered}</strong> dead-lettered (<code>POST /api/spool/replay</code> sends them again)`
    : `<strong id="spool-dead">0</strong> dead-lettered`;
  return `<p class="notify-summary" id="spool-summary">${waiting} · <strong id="spool-delivered">${s.delivered}</strong> delivered · ${dead}</p>`;
}
