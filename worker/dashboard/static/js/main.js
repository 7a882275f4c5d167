// Boots the dashboard: follows the live state stream and redraws the parts that changed.

import { forgetToken, savedToken, saveToken, setupActions } from "./actions.js";
import { AuditPanel, whoAmI } from "./audit.js";
import { chart, legend } from "./chart.js";
import { byId, render } from "./dom.js";
import { colorName } from "./format.js";
import { incidents } from "./incidents.js";
import { notifications } from "./notify.js";
import { protection } from "./protection.js";
import { spool } from "./spool.js";
import { stepMarkers } from "./steps.js";
import { follow } from "./stream.js";
import { Traffic } from "./traffic.js";
import * as view from "./view.js";

/** @typedef {import("../../../../shared/schemas").State} State */
/** @typedef {import("../../../../shared/schemas").TrafficEvent} TrafficEvent */
/** @typedef {import("./chart.js").Marker} Marker */
/** @typedef {import("../../../../shared/audit").Role} Role */

const NOTICE_MS = 6000;

/** @type {State | null} */
let state = null;
const traffic = new Traffic();
/** The signed-in token's role; null until known (buttons stay hidden meanwhile). @type {Role | null} */
let role = null;
const audit = new AuditPanel();

/**
 * Every flag change the history tells about. The controller rewrites a deployment's entry only when it
 * ends, so the running one is read from the deployment itself.
 * @param {State} s
 * @returns {Marker[]}
 */
function markers(s) {
  /** @type {Marker[]} */
  const out = [];
  for (const h of s.history) {
    // A standby entry changes the failover target, not where traffic goes.
    if (h.kind === "standby") continue;
    const live = s.deployment?.id === h.id ? s.deployment : null;
    const promotedAt = live ? live.promotedAt : h.promotedAt;
    const finishedAt = live ? live.finishedAt : h.finishedAt;
    const status = live ? live.status : h.status;
    if (h.kind === "rollback") {
      if (finishedAt) out.push({ t: Date.parse(finishedAt), to: h.to, rollback: true });
    } else if (promotedAt) {
      out.push({ t: Date.parse(promotedAt), to: h.to, rollback: false });
      if (finishedAt && (status === "rolled_back" || status === "aborted")) {
        out.push({ t: Date.parse(finishedAt), to: h.from, rollback: true });
      }
    }
  }
  return [...out, ...stepMarkers(s.deployment)];
}

/** @param {State} s */
function drawButtons(s) {
  // Promote, abort and rollback are the operator's; a viewer's or deployer's page has no buttons.
  const operator = role === "operator";
  byId("hero-actions").hidden = !operator;
  const d = s.deployment;
  const running = d !== null && d.finishedAt === null;
  const promote = byId("btn-promote");
  promote.hidden = !operator || (d?.status !== "awaiting_promotion" && d?.status !== "awaiting_decision");
  if (d) {
    promote.textContent =
      d.status === "awaiting_decision" ? `Accept ${d.version} on ${d.color}` : `Promote ${d.version} to ${d.color}`;
  }
  byId("btn-abort").hidden = !operator || !running;

  // Before the switch the standby color is the one under test: rolling back onto it is refused (409).
  const blocked = running && (d.status === "validating" || d.status === "awaiting_promotion");
  const rollback = /** @type {HTMLButtonElement} */ (byId("btn-rollback"));
  rollback.disabled = blocked;
  rollback.textContent = `Roll back to ${colorName(s.standby)}`;
  // The controller also refuses the release the last deployment rejected, while the standby still runs it.
  const rejected =
    d !== null &&
    !running &&
    d.color === s.standby &&
    ["failed", "rolled_back", "aborted"].includes(d.status) &&
    s.colors[s.standby].version === d.version;
  byId("rollback-hint").textContent = blocked
    ? "A deployment is being validated on the standby color: abort it instead."
    : s.colors[s.standby].health === "unhealthy"
      ? `${colorName(s.standby)} is unhealthy: the controller will refuse.`
      : rejected
        ? `${colorName(s.standby)} still runs ${d.version}, which ended ${d.status.replace("_", " ")}: the controller will refuse until a good version is deployed there.`
        : `Moves all traffic to ${s.standby} at once.`;
}

function draw() {
  const s = state;
  if (!s) return;
  const now = Date.now();
  traffic.prune(now);
  document.title = `${colorName(s.active)} active · Blue/green`;
  render("hero-body", view.hero(s, now));
  byId("hero").className = `hero hero-${s.active}`;
  render(
    "envs",
    view.envCard(s, "blue", traffic.live("blue", now)) + view.envCard(s, "green", traffic.live("green", now)),
  );
  render("protection", protection(s, now));
  render("incidents-body", incidents(s.incidents, now));
  render("deployment-body", view.deployment(s.deployment, now));
  render("history-body", view.history(s.history, s.deployment, now));
  render("notifications-body", notifications(s.notifications, now));
  render("spool-body", spool(s.spool));
  const box = byId("chart");
  render("chart", chart({ traffic, markers: markers(s), width: box.clientWidth, now }));
  drawButtons(s);
}

/** @param {State} next */
function onState(next) {
  state = next;
  traffic.reset(next.traffic);
  draw();
}

/** @param {"connecting" | "live" | "reconnecting"} status */
function onStatus(status) {
  const conn = byId("conn");
  conn.className = `conn ${status}`;
  conn.textContent = status === "live" ? "Live" : status === "connecting" ? "Connecting…" : "Reconnecting…";
  // Stale figures are dimmed until the stream is back.
  document.body.classList.toggle("stale", status !== "live");
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let noticeTimer;
/** @param {string} text */
function notify(text) {
  const box = byId("notice");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    box.hidden = true;
  }, NOTICE_MS);
}

function drawToken() {
  byId("forget-token").hidden = !savedToken();
}

/** The running stream; aborted on sign-out or a new sign-in. @type {AbortController | null} */
let session = null;

/** @param {Role | null} next */
function showRole(next) {
  role = next;
  const badge = byId("role");
  badge.hidden = next === null;
  badge.textContent = next ? `Signed in as ${next}` : "";
  audit.show(next === "operator" ? savedToken() : null);
  draw();
}

/** @param {string | null} error */
function showSignIn(error) {
  session?.abort();
  session = null;
  state = null;
  showRole(null);
  byId("content").hidden = true;
  byId("signin").hidden = false;
  const box = byId("signin-error");
  box.hidden = error === null;
  box.textContent = error ?? "";
  const conn = byId("conn");
  conn.className = "conn";
  conn.textContent = "Signed out";
  document.body.classList.remove("stale");
  drawToken();
  byId("signin-token").focus();
}

/** Asks the API what `token` may do; a refusal signs out, no answer leaves the role to the next state event. */
let learning = false;
async function learnRole(/** @type {string} */ token) {
  if (learning) return;
  learning = true;
  const who = await whoAmI(token).finally(() => {
    learning = false;
  });
  if (who === null || session === null || savedToken() !== token) return;
  if ("unauthorized" in who) showSignIn(who.unauthorized);
  else if (role !== who.role) showRole(who.role);
}

/** Follows the control API's event stream with `token`; the token is kept once the API accepted it. */
function signIn(/** @type {string} */ token) {
  session?.abort();
  session = new AbortController();
  byId("signin").hidden = true;
  byId("content").hidden = false;
  onStatus("connecting");
  follow(`${location.origin}/api/events`, {
    token,
    signal: session.signal,
    onStatus,
    onUnauthorized: (text) => {
      forgetToken();
      showSignIn(text);
    },
    onEvent: (name, data) => {
      if (name === "state") {
        if (savedToken() !== token) {
          saveToken(token);
          drawToken();
        }
        if (role === null) learnRole(token);
        onState(/** @type {State} */ (data));
      } else if (name === "audit") {
        // A control call was recorded (after its answer, so a state event can come before it).
        audit.refresh();
      } else if (name === "traffic") {
        const event = /** @type {TrafficEvent} */ (data);
        traffic.add(event);
        // The live convergence and coverage ride along with the traffic, once a second.
        if (state && event.convergence?.epoch === state.epoch) state.convergence = event.convergence;
        if (state && event.coverage) state.coverage = event.coverage;
        draw();
      }
    },
  });
}

const open = setupActions({
  current: () => state,
  notify,
  // The tab's token was refused (e.g. rotated): sign in again.
  tokenChanged: () => (savedToken() ? drawToken() : showSignIn("The saved token was refused: sign in again.")),
});
byId("btn-promote").addEventListener("click", () => open("promote"));
byId("btn-abort").addEventListener("click", () => open("abort"));
byId("btn-rollback").addEventListener("click", () => open("rollback"));
byId("forget-token").addEventListener("click", () => {
  forgetToken();
  showSignIn(null);
});
byId("signin").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const token = /** @type {HTMLInputElement} */ (byId("signin-token")).value.trim();
  if (token) signIn(token);
});
byId("audit-refresh").addEventListener("click", () => audit.refresh());
byId("chart-legend").innerHTML = legend();

// Relative times, live rates and the chart's time axis move even when nothing is reported.
setInterval(draw, 1000);
new ResizeObserver(draw).observe(byId("chart"));

const saved = savedToken();
if (saved) signIn(saved);
else showSignIn(null);
