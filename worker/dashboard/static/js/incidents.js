// Incidents: breaches of the active color outside deployments, newest first, open ones on top.

import { ago, colorName, esc, time } from "./format.js";

/** @typedef {import("../../../../shared/schemas").Incident} Incident */

/** @param {Incident} i */
const actionText = (i) => (i.action === "reverted" ? `Reverted: ${i.actionDetail}` : i.actionDetail);

/** @param {Incident[] | undefined} incidents @param {number} now */
export function incidents(incidents, now) {
  const list = incidents ?? [];
  if (list.length === 0) {
    return `<p class="empty">No incidents. The controller checks both colors all the time and judges the active one.</p>`;
  }
  const open = list.filter((i) => i.resolvedAt === null);
  const banner = open
    .map(
      (i) =>
        `<p class="notice bad" role="alert"><strong>${colorName(i.color)} ${esc(i.version ?? "")}: ${esc(i.check.replace("_", " "))} check failed.</strong> ${esc(i.detail)} · ${esc(actionText(i))}</p>`,
    )
    .join("");
  const rows = list
    .map(
      (i) => `<tr class="${i.resolvedAt === null ? "failed" : ""}">
        <td data-label="Raised">${time(i.at)} <span class="muted small">${ago(i.at, now)}</span></td>
        <td data-label="Color"><span class="chip chip-${i.color}">${colorName(i.color)}</span> ${esc(i.version ?? "")}</td>
        <td data-label="Check">${esc(i.check.replace("_", " "))}</td>
        <td data-label="Detail" class="reason">${esc(i.detail)}</td>
        <td data-label="Action" class="reason">${esc(actionText(i))}</td>
        <td data-label="Status">${i.resolvedAt === null ? `<span class="health bad">✕ open</span>` : `<span class="health ok">✓ cleared ${time(i.resolvedAt)}</span>`}</td>
      </tr>`,
    )
    .join("");
  return `${banner}<div class="table-wrap"><table class="history"><thead><tr><th>Raised</th><th>Color</th><th>Check</th><th>Detail</th><th>Action</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
