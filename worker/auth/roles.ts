import { type AuditPrincipal, type Role, roleAllows } from "../../shared/audit";
import type { OidcPolicy } from "./policy";

/**
 * The role of an OIDC principal that passed the claim policy: operator when the run is a manual
 * (`workflow_dispatch`) run of a workflow in OIDC_OPERATOR_WORKFLOWS (the rollback workflow), else deployer.
 * Pushes never get more than deployer, so merging a workflow change is not enough to roll production back.
 */
export function oidcRole(p: AuditPrincipal, policy: OidcPolicy): Role {
  return p.event === "workflow_dispatch" && policy.operatorWorkflows.has(p.workflow) ? "operator" : "deployer";
}

/** The 403 message for a principal whose role does not reach `needs`, or null when it does. */
export function missingRole(has: Role, needs: Role, what: string): string | null {
  return roleAllows(has, needs) ? null : `${what} needs the ${needs} role; these credentials have ${has}`;
}

/** How the controller's history names the caller; an OIDC run is named by repository and run id. */
export function actorOf(p: AuditPrincipal): string {
  return p.kind === "oidc" ? `${p.repository} run ${p.runId ?? "?"} (${p.subject})` : p.kind;
}

/**
 * Whether `actor` started a deployment recorded with `recorded` (the controller writes `<request actor> via
 * <actor>` or `<actor>`). A deployer may abort its own deployment: the action does at its timeout.
 */
export const startedBy = (recorded: string | null, actor: string) =>
  recorded === actor || (recorded?.endsWith(` via ${actor}`) ?? false);
