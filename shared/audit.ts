// Roles and the audit log of the control API (GET /api/session, GET /api/audit). Never holds a token.
import * as z from "zod";

export const ROLES = ["viewer", "deployer", "operator"] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Whether `has` includes everything `needs` may do (the roles are nested). */
export const roleAllows = (has: Role, needs: Role): boolean => ROLES.indexOf(has) >= ROLES.indexOf(needs);

/** Who made a call. For OIDC the fields are the token's claims; `runId`/`runAttempt` otherwise come from the caller's headers. */
export const AuditPrincipal = z.object({
  kind: z.enum(["control-token", "view-token", "oidc"]),
  /** the OIDC `sub`, or the token's name. */
  subject: z.string(),
  repository: z.string().nullable(),
  repositoryId: z.string().nullable(),
  ref: z.string().nullable(),
  event: z.string().nullable(),
  environment: z.string().nullable(),
  /** `job_workflow_ref`: the workflow file and the ref it ran from. */
  workflow: z.string().nullable(),
  /** GitHub user who started the run (`actor` claim). */
  actor: z.string().nullable(),
  runId: z.string().nullable(),
  runAttempt: z.string().nullable(),
});
export type AuditPrincipal = z.infer<typeof AuditPrincipal>;

/** GET /api/session: who the bearer is and what it may do (the dashboard hides what the role may not do). */
export const Session = z.object({ principal: AuditPrincipal, role: Role });
export type Session = z.infer<typeof Session>;

export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  principal: AuditPrincipal,
  /** null when the principal was refused before it got a role (an OIDC token outside the claim policy). */
  role: Role.nullable(),
  /** method and path, e.g. `POST /api/rollback`. */
  call: z.string(),
  /** the deployment the call was about, when there is one. */
  target: z.string().nullable(),
  status: z.number().int(),
  /** why the call was refused or failed (the error message it got); null on success. */
  reason: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Why a credential was refused: a bounded set, so counting by reason stays small. */
export const REFUSAL_REASONS = [
  "missing",
  "invalid_token",
  "oidc_disabled",
  "oidc_malformed",
  "oidc_signature",
  "oidc_unknown_key",
  "oidc_expired",
  "oidc_issuer",
  "oidc_audience",
  "oidc_sub",
  "oidc_repository",
  "oidc_ref",
  "oidc_event_name",
  "oidc_environment",
  "oidc_job_workflow_ref",
  "jwks_unavailable",
] as const;
export const RefusalReason = z.enum(REFUSAL_REASONS);
export type RefusalReason = z.infer<typeof RefusalReason>;

export const AuditLog = z.object({
  /** newest first. */
  entries: z.array(AuditEntry),
  /** refused credentials (401) since the log began, by reason. */
  refusals: z.record(z.string(), z.object({ count: z.number().int(), lastAt: z.string() })),
  /** how many entries the log keeps at most. */
  capacity: z.number().int(),
});
export type AuditLog = z.infer<typeof AuditLog>;
