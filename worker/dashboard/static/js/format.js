// Text helpers shared by the views. Plain browser JS, type-checked through JSDoc (root tsconfig).

/** @typedef {import("../../../../shared/schemas").Color} Color */

/**
 * Escapes text for innerHTML: versions, reasons and actors come from API callers.
 * @param {unknown} value
 */
export const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** @param {Color} color */
export const colorName = (color) => (color === "blue" ? "Blue" : "Green");

/** @type {Record<string, string>} */
const STATUS_LABELS = {
  validating: "Validating",
  awaiting_promotion: "Awaiting promotion",
  promoted: "Promoted",
  watching: "Watching",
  awaiting_decision: "Awaiting decision",
  succeeded: "Succeeded",
  rolled_back: "Rolled back",
  failed: "Failed",
  aborted: "Aborted",
  rolled_back_manually: "Manual rollback",
};
/** @param {string} status */
export const statusLabel = (status) => STATUS_LABELS[status] ?? status;

/**
 * Tone of a status badge; the badge always carries its label too.
 * @param {string} status
 * @returns {"ok" | "bad" | "warn" | "run"}
 */
function statusTone(status) {
  if (status === "succeeded") return "ok";
  if (status === "failed" || status === "rolled_back") return "bad";
  if (["aborted", "rolled_back_manually", "awaiting_promotion", "awaiting_decision"].includes(status)) return "warn";
  return "run";
}

/** Whether a deployment's color serves traffic while it is still judged. @param {string} status */
export const isLive = (status) => ["promoted", "watching", "awaiting_decision"].includes(status);

/** @param {string} status */
export const badge = (status) => `<span class="badge ${statusTone(status)}">${esc(statusLabel(status))}</span>`;

/** @param {string | number} at ISO time or unix ms */
export const clock = (at) =>
  new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** @param {number} ms */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ""}`.trim();
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * @param {string | number} at ISO time or unix ms
 * @param {number} now
 */
export function ago(at, now) {
  const ms = now - new Date(at).getTime();
  if (ms < 2000) return "just now";
  if (ms > 86_400_000) return new Date(at).toLocaleString();
  return `${duration(ms)} ago`;
}

/** A `<time>` with the local clock time, the exact instant in its tooltip. @param {string} iso */
export const time = (iso) =>
  `<time datetime="${esc(iso)}" title="${esc(new Date(iso).toString())}">${clock(iso)}</time>`;

/** @param {number | null | undefined} ms */
export const millis = (ms) => (ms == null ? "—" : `${Math.round(ms)} ms`);

/** @param {number | null} ratio 0..1 */
export const percent = (ratio) =>
  ratio === null ? "—" : `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 2 : 1)} %`;

/** @param {number} n requests per second */
export const perSecond = (n) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1));
