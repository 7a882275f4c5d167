// Who may do what on this page (GET /api/session), and the audit log panel, shown to operators only.

import { byId, render } from "./dom.js";
import { ago, esc, time } from "./format.js";

/** @typedef {import("../../../../shared/audit").AuditLog} AuditLog */
/** @typedef {import("../../../../shared/audit").AuditEntry} AuditEntry */
/** @typedef {import("../../../../shared/audit").Role} Role */

const SHOWN = 50;
/** State events can come several times a second: the log is read at most this often. */
const MIN_INTERVAL_MS = 2000;

/**
 * The role of `token`: "unauthorized" with the API's words when it is refused, null when it can't be told now.
 * @param {string} token
 * @returns {Promise<{ role: Role } | { unauthorized: string } | null>}
 */
export async function whoAmI(token) {
  try {
    const res = await fetch("/api/session", { headers: { authorization: `Bearer ${token}` }, cache: "no-store" });
    if (res.status === 401) {
      const err = (await res.json().catch(() => null))?.error;
      return { unauthorized: err ? `401 ${err.code}: ${err.message}` : "401 unauthorized" };
    }
    return res.ok ? { role: (await res.json()).role } : null;
  } catch {
    return null;
  }
}

/** A link to the workflow run, when the entry names one (digits and owner/name only: nothing else is put in the URL). */
function run(/** @type {AuditEntry["principal"]} */ p) {
  if (!p.runId || !/^\d+$/.test(p.runId) || !p.repository || !/^[\w.-]+\/[\w.-]+$/.test(p.repository)) return "";
  const attempt = p.runAttempt && /^\d+$/.test(p.runAttempt) ? `/attempts/${p.runAttempt}` : "";
  const href = `https://github.com/${p.repository}/actions/runs/${p.runId}${attempt}`;
  return ` <a href="${esc(href)}" target="_blank" rel="noreferrer noopener">run ${esc(p.runId)}${attempt ? ` #${esc(p.runAttempt)}` : ""}</a>`;
}

function who(/** @type {AuditEntry["principal"]} */ p) {
  if (p.kind !== "oidc") return `${p.kind === "control-token" ? "control token" : "view token"}${run(p)}`;
  const workflow = p.workflow?.replace(/^[^/]+\/[^/]+\/\.github\/workflows\//, "") ?? "";
  return `${esc(p.repository ?? p.subject)} <span class="muted small">${esc(workflow)} · ${esc(p.event ?? "")}</span>${run(p)}`;
}

/**
 * @param {AuditLog} log
 * @param {number} now
 */
export function auditView(log, now) {
  const refusals = Object.entries(log.refusals)
    .map(([reason, r]) => `${esc(reason)} ${r.count} <span class="muted">(last ${ago(r.lastAt, now)})</span>`)
    .join(" · ");
  const summary = `<p class="muted small" id="audit-refusals">Refused credentials: ${refusals || "none"}. The newest ${log.capacity} calls are kept.</p>`;
  if (log.entries.length === 0) return `${summary}<p class="empty">No calls yet.</p>`;
  const rows = log.entries
    .map(
      (e) => `<tr>
        <td data-label="When">${time(e.at)}</td>
        <td data-label="Who" class="who">${who(e.principal)}</td>
        <td data-label="Role">${esc(e.role ?? "—")}</td>
        <td data-label="Call" class="call"><code>${esc(e.call)}</code></td>
        <td data-label="Result"><span class="badge ${e.status < 400 ? "ok" : "bad"}">${e.status}</span></td>
        <td data-label="Reason" class="reason">${esc(e.reason ?? "")}</td>
      </tr>`,
    )
    .join("");
  return `${summary}<div class="table-wrap"><table class="history audit"><thead><tr><th>When</th><th>Who</th><th>Role</th><th>Call</th><th>Result</th><th>Reason</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/**
 * The panel: shown for an operator's token, reloaded at most every MIN_INTERVAL_MS when asked (the
 * stream's `audit` event after every recorded call but reads, or the Refresh button; the last ask within
 * the interval is kept). Reading the log is a call the log records too, so no polling.
 */
export class AuditPanel {
  /** @type {string | null} */ token = null;
  last = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ timer;

  /** @param {string | null} token an operator's token, or null to hide the panel */
  show(token) {
    this.token = token;
    byId("audit-panel").hidden = token === null;
    clearTimeout(this.timer);
    if (token) this.refresh();
  }

  refresh() {
    const wait = this.last + MIN_INTERVAL_MS - Date.now();
    clearTimeout(this.timer);
    if (wait > 0) {
      this.timer = setTimeout(() => this.refresh(), wait);
      return;
    }
    this.last = Date.now();
    if (this.token) this.load(this.token);
  }

  /** @param {string} token */
  async load(token) {
    try {
      const res = await fetch(`/api/audit?limit=${SHOWN}`, { headers: { authorization: `Bearer ${token}` } });
      if (token !== this.token) return;
      const body = await res.json();
      render(
        "audit-body",
        res.ok ? auditView(body, Date.now()) : `<p class="notice bad">${esc(body?.error?.message)}</p>`,
      );
    } catch (e) {
      render(
        "audit-body",
        `<p class="notice bad">Could not load the audit log: ${esc(/** @type {Error} */ (e).message)}</p>`,
      );
    }
  }
}
