// The webhook notifications panel: what waits, what got through, and the latest failed attempts.

import { ago, esc, time } from "./format.js";

/** @typedef {import("../../../../shared/schemas").NotifyStatus} NotifyStatus */

/** @param {NotifyStatus | undefined} n @param {number} now */
export function notifications(n, now) {
  if (!n || (n.targets.length === 0 && n.pending === 0 && n.failures.length === 0)) {
    return `<p class="empty">Off. Set <code>NOTIFY_URLS</code> (and the <code>NOTIFY_SECRET</code> secret) to have every status change posted to webhooks.</p>`;
  }
  const targets = n.targets.map((t) => `<span class="mono">${esc(t)}</span>`).join(", ");
  const summary = `<p class="notify-summary" id="notify-summary">
      ${n.targets.length} webhook${n.targets.length === 1 ? "" : "s"} (${targets || "none"}) · ${n.signed ? "signed" : `<span class="bad-text">unsigned</span>`}
      · <strong>${n.pending}</strong> waiting · <strong>${n.delivered}</strong> delivered
      · <strong class="${n.failed ? "bad-text" : ""}">${n.failed}</strong> given up
      ${n.lastDeliveredAt ? ` · last delivered ${ago(n.lastDeliveredAt, now)}` : ""}</p>`;
  if (n.failures.length === 0) return summary;
  const rows = n.failures
    .map(
      (f) => `<tr class="failed">
        <td>${time(f.at)}</td><td class="mono">${esc(f.target)}</td><td>${esc(f.type)}</td>
        <td class="num">${f.attempt}</td><td class="detail">${esc(f.error)}</td>
        <td>${f.gaveUp ? "given up" : f.retryAt ? `retry ${time(f.retryAt)}` : "—"}</td></tr>`,
    )
    .join("");
  return `${summary}
    <div class="table-wrap"><table class="probes" id="notify-failures"><thead><tr><th>Time</th><th>Webhook</th><th>Event</th>
    <th class="num">Attempt</th><th>Error</th><th>Next</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
