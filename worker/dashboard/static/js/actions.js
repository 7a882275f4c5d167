// Promote, abort and rollback: confirm first, then call the control API with the operator's token.
// The token lives in sessionStorage (this tab only) and is saved only once the API accepted it.

import { byId } from "./dom.js";
import { colorName, isLive } from "./format.js";

/** @typedef {import("../../../../shared/schemas").State} State */
/** @typedef {"promote" | "abort" | "rollback"} Action */

const TOKEN_KEY = "bluegreen.controlToken";

export const savedToken = () => sessionStorage.getItem(TOKEN_KEY);

/** @param {string} token */
export const saveToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** @typedef {{ title: string, message: string, button: string, danger: boolean, path: string, reason: boolean, done: string }} Call */

/**
 * What the dialog says and which call it makes, for the state as it is now.
 * @param {Action} action
 * @param {State} s
 * @returns {Call | null}
 */
function describe(action, s) {
  const d = s.deployment;
  if (action === "rollback") {
    const running = d && isLive(d.status);
    return {
      title: `Roll back to ${colorName(s.standby)}?`,
      message: `All traffic moves from ${s.active} to ${s.standby} at once.${running ? ` Deployment ${d.version} is marked rolled back.` : ""}`,
      button: `Roll back to ${s.standby}`,
      danger: true,
      path: "/api/rollback",
      reason: true,
      done: `Rolled back: ${s.standby} serves traffic.`,
    };
  }
  if (!d) return null;
  const id = encodeURIComponent(d.id);
  if (action === "promote" && d.status === "awaiting_decision") {
    return {
      title: `Accept ${d.version} on ${colorName(d.color)}?`,
      message: `The watch saw too little live traffic to judge ${d.version}. Accepting ends the deployment as succeeded; ${d.color} keeps serving.`,
      button: "Accept",
      danger: false,
      path: `/api/deployments/${id}/promote`,
      reason: false,
      done: `Accepted ${d.version}.`,
    };
  }
  if (action === "promote") {
    return {
      title: `Promote ${d.version} to ${colorName(d.color)}?`,
      message: `All traffic moves from ${d.previousColor} to ${d.color} now. ${colorName(d.previousColor)} stays warm as the fallback, and ${d.color} is watched for ${d.watchSeconds} s.`,
      button: `Promote to ${d.color}`,
      danger: false,
      path: `/api/deployments/${id}/promote`,
      reason: false,
      done: `Promoted ${d.version}: ${d.color} serves traffic.`,
    };
  }
  const switched = isLive(d.status);
  return {
    title: `Abort deployment ${d.version}?`,
    message: switched
      ? `Traffic returns to ${d.previousColor} at once.`
      : `Validation stops; traffic stays on ${d.previousColor}.`,
    button: "Abort deployment",
    danger: true,
    path: `/api/deployments/${id}/abort`,
    reason: false,
    done: `Deployment ${d.version} aborted.`,
  };
}

/**
 * POSTs to the control API; resolves to null on success, else the failure as the API described it.
 * @param {string} path
 * @param {string} token
 * @param {unknown} body
 * @returns {Promise<{ status: number, text: string } | null>}
 */
async function call(path, token, body) {
  let res;
  try {
    res = await fetch(path, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (e) {
    return { status: 0, text: `Network error: ${/** @type {Error} */ (e).message}` };
  }
  if (res.ok) return null;
  const payload = await res.json().catch(() => null);
  const err = payload?.error;
  return {
    status: res.status,
    text: err ? `${res.status} ${err.code}: ${err.message}` : `${res.status} ${res.statusText}`,
  };
}

/**
 * Wires the dialog. `current` reads the latest state; `notify` shows the outcome on the page.
 * @param {{ current: () => State | null, notify: (text: string) => void, tokenChanged: () => void }} deps
 * @returns {(action: Action) => void} opens the dialog for an action
 */
export function setupActions({ current, notify, tokenChanged }) {
  const dialog = /** @type {HTMLDialogElement} */ (byId("confirm"));
  const form = /** @type {HTMLFormElement} */ (byId("confirm-form"));
  const ok = /** @type {HTMLButtonElement} */ (byId("confirm-ok"));
  const tokenInput = /** @type {HTMLInputElement} */ (byId("token"));
  const reasonInput = /** @type {HTMLInputElement} */ (byId("reason"));
  const error = byId("confirm-error");
  /** The call confirmed in the dialog, fixed when it opened (the state may move on meanwhile). @type {Call | null} */
  let pending = null;

  const showTokenField = (/** @type {boolean} */ show) => {
    byId("token-field").hidden = !show;
    byId("token-saved").hidden = show;
    if (show) tokenInput.focus();
  };
  const showError = (/** @type {string | null} */ text) => {
    error.hidden = text === null;
    error.textContent = text ?? "";
  };

  byId("change-token").addEventListener("click", () => showTokenField(true));
  byId("confirm-cancel").addEventListener("click", () => dialog.close());

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const what = pending;
    if (!what) return dialog.close();
    const token = byId("token-field").hidden ? savedToken() : tokenInput.value.trim();
    if (!token) return showError("Enter the control token (CONTROL_TOKEN) to continue.");
    ok.disabled = true;
    ok.textContent = "Working…";
    const reason = reasonInput.value.trim();
    const failure = await call(what.path, token, what.reason && reason ? { reason } : {});
    ok.disabled = false;
    ok.textContent = what.button;
    if (failure === null) {
      saveToken(token);
      tokenChanged();
      dialog.close();
      notify(what.done);
      return;
    }
    if (failure.status === 401) {
      // Only the token this tab is signed in with is dropped; a mistyped other one changes nothing.
      if (token === savedToken()) {
        forgetToken();
        tokenChanged();
      }
      showTokenField(true);
      tokenInput.select();
    }
    showError(failure.text);
  });

  return (action) => {
    const s = current();
    const what = s && describe(action, s);
    if (!what) return;
    pending = what;
    byId("confirm-title").textContent = what.title;
    byId("confirm-message").textContent = what.message;
    ok.textContent = what.button;
    ok.className = `btn ${what.danger ? "danger" : "primary"}`;
    byId("reason-field").hidden = !what.reason;
    reasonInput.value = "";
    tokenInput.value = "";
    showError(null);
    dialog.showModal();
    showTokenField(!savedToken());
    if (savedToken()) ok.focus();
  };
}
