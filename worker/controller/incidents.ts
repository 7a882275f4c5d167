import type { Color, Incident } from "../../shared";
import type { NotifyEvent } from "../notify/events";
import { notify } from "../notify/task";
import { type Core, iso } from "./core";

/** Incidents kept in the state (newest first); older ones are dropped with the next write. */
export const INCIDENTS_KEPT = 20;

/** The open incident of `color`, if any: one per color until it clears, not one per check. */
export const openIncident = (core: Core, color: Color): Incident | null =>
  core.s.incidents.find((i) => i.color === color && i.resolvedAt === null) ?? null;

/** The webhook notification of an incident (`type: incident`). */
export const incidentEvent = (i: Incident): NotifyEvent => ({
  id: `incident:${i.id}`,
  type: "incident",
  summary: `🚨 incident on ${i.color}${i.version ? ` (${i.version})` : ""}: ${i.check} check failed: ${i.detail}; ${i.action === "reverted" ? i.actionDetail : `no revert (${i.actionDetail})`}`,
  detail: { ...i },
});

/**
 * The one place an incident is raised: recorded in the state (bounded), sent to every subscriber as
 * an `incident` event and on the dashboard through the state, and to the webhooks (NOTIFY_URLS).
 */
export async function raiseIncident(core: Core, incident: Incident): Promise<void> {
  core.s.incidents = [incident, ...core.s.incidents].slice(0, INCIDENTS_KEPT);
  await core.commit();
  core.hub.broadcast("incident", incident);
  await notify(core, incidentEvent(incident));
}

/** Closes an open incident: its checks pass again, or its color no longer serves. */
export async function resolveIncident(core: Core, incident: Incident): Promise<void> {
  incident.resolvedAt = iso();
  await core.commit();
  core.hub.broadcast("incident", incident);
}
