// The protection banner: whether requests may fail over now, and, while they may not, since when, why, and
// what brings a failover target back.

import { ago, colorName, esc, time } from "./format.js";

/** @typedef {import("../../../../shared/schemas").State} State */

/** @param {State} s @param {number} now */
export function protection(s, now) {
  const p = s.protection;
  if (!p) return "";
  const since = p.since ? ` since ${time(p.since)} <span class="small">(${ago(p.since, now)})</span>` : "";
  if (p.failoverTarget) {
    return `<p class="notice ok protection" data-protected="true">🛡️ Failover target: <span class="chip chip-${p.failoverTarget}">${colorName(p.failoverTarget)}</span>${since} · ${esc(p.reason)}</p>`;
  }
  return `<p class="notice bad protection unprotected" role="alert" data-protected="false"><strong>⚠️ No failover target: ${colorName(s.active)} serves unprotected${since}.</strong> A hang or crash of ${colorName(s.active)} now loses data. ${esc(p.reason)}</p>`;
}
