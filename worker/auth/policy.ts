import type { JWTPayload } from "jose";
import type { AuditPrincipal, RefusalReason } from "../../shared/audit";
import { type Env, num } from "../env";

/** An allowed-values list; an entry's `*` matches any run of characters (e.g. `refs/tags/v*`). */
export interface Allowed {
  text: string;
  has(value: string | null): boolean;
}

const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

const list = (v: string | undefined, fallback = "") =>
  (v?.trim() ? v : fallback)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const escapeRegExp = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");

function allowed(entries: string[]): Allowed {
  const patterns = entries.map((e) => new RegExp(`^${e.split("*").map(escapeRegExp).join(".*")}$`));
  return { text: entries.join(", "), has: (v) => v !== null && patterns.some((re) => re.test(v)) };
}

/** The OIDC claim policy (docs/access-and-audit.md), parsed from the Worker's vars. */
export function oidcPolicy(env: Env) {
  const repositories = list(env.OIDC_REPOSITORIES);
  const environments = list(env.OIDC_ENVIRONMENTS).map((e) => e.toLowerCase());
  const workflows = list(env.OIDC_WORKFLOWS);
  return {
    enabled: Boolean(env.OIDC_AUDIENCE?.trim() && repositories.length > 0 && env.OIDC_JWKS_URL),
    issuer: env.OIDC_ISSUER || GITHUB_ISSUER,
    audience: env.OIDC_AUDIENCE?.trim() ?? "",
    jwksUrl: env.OIDC_JWKS_URL ?? "",
    jwksCooldownMs: num(env.OIDC_JWKS_COOLDOWN_SECONDS, 30) * 1000,
    /** numeric entries are repository ids (they survive renames and can't be re-registered); others `owner/name`. */
    repositoryIds: new Set(repositories.filter((r) => /^\d+$/.test(r))),
    repositoryNames: new Set(repositories.filter((r) => !/^\d+$/.test(r)).map((r) => r.toLowerCase())),
    refs: allowed(list(env.OIDC_REFS, "refs/heads/main")),
    events: allowed(list(env.OIDC_EVENTS, "push,workflow_dispatch")),
    /** null: not checked. GitHub environment names are case-insensitive. */
    environments: environments.length ? allowed(environments) : null,
    workflows: workflows.length ? allowed(workflows) : null,
    operatorWorkflows: allowed(list(env.OIDC_OPERATOR_WORKFLOWS)),
  };
}
export type OidcPolicy = ReturnType<typeof oidcPolicy>;

export type ClaimCheck =
  | { ok: true; principal: AuditPrincipal }
  | { ok: false; reason: RefusalReason; message: string; principal: AuditPrincipal | null };

/** GitHub sends its claims as strings; ids may come as numbers from other issuers. */
const claim = (payload: JWTPayload, name: string): string | null => {
  const v = payload[name];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : null;
};

/**
 * `repo:OWNER/REPO:…`, or for repositories created since July 2026 `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`.
 * A customised `sub` (not starting with `repo:`) is not parsed: the policy relies on the separate claims.
 */
const SUB = /^repo:([^/@:]+)(?:@(\d+))?\/([^/@:]+)(?:@(\d+))?:/;

function subMismatch(payload: JWTPayload, p: AuditPrincipal): string | null {
  if (!p.subject.startsWith("repo:")) return null;
  const m = SUB.exec(p.subject);
  if (!m) return `claim "sub" is not of the form repo:OWNER/REPO:… or repo:OWNER@ID/REPO@ID:…`;
  const [, owner, ownerId, repo, repoId] = m;
  if (`${owner}/${repo}`.toLowerCase() !== p.repository?.toLowerCase()) {
    return `claim "sub" names ${owner}/${repo}, claim "repository" ${p.repository}`;
  }
  if (ownerId !== undefined && ownerId !== claim(payload, "repository_owner_id")) {
    return `claim "sub" has owner id ${ownerId}, claim "repository_owner_id" ${claim(payload, "repository_owner_id")}`;
  }
  if (repoId !== undefined && repoId !== p.repositoryId) {
    return `claim "sub" has repository id ${repoId}, claim "repository_id" ${p.repositoryId}`;
  }
  return null;
}

export function principalOf(payload: JWTPayload): AuditPrincipal {
  return {
    kind: "oidc",
    subject: claim(payload, "sub") ?? "",
    repository: claim(payload, "repository"),
    repositoryId: claim(payload, "repository_id"),
    ref: claim(payload, "ref"),
    event: claim(payload, "event_name"),
    environment: claim(payload, "environment"),
    workflow: claim(payload, "job_workflow_ref"),
    actor: claim(payload, "actor"),
    runId: claim(payload, "run_id"),
    runAttempt: claim(payload, "run_attempt"),
  };
}

const shown = (v: string | null) => (v === null ? "missing" : `"${v}"`);

/**
 * Checks a verified token's claims against the policy, in order: repository, sub, ref, event, environment,
 * workflow. The message names the first claim that failed. Past the repository check the principal is kept
 * (for the audit log): it comes from a repository the policy trusts, so it can't be minted by anyone on GitHub.
 */
export function checkClaims(payload: JWTPayload, policy: OidcPolicy): ClaimCheck {
  const p = principalOf(payload);
  const refuse = (reason: RefusalReason, message: string): ClaimCheck => ({
    ok: false,
    reason,
    message: `OIDC token refused: ${message}`,
    principal: reason === "oidc_repository" ? null : p,
  });
  const byId = p.repositoryId !== null && policy.repositoryIds.has(p.repositoryId);
  const byName = p.repository !== null && policy.repositoryNames.has(p.repository.toLowerCase());
  if (!byId && !byName) {
    // The allowed list is not shown: any repository on GitHub can mint a token for this audience.
    return refuse(
      "oidc_repository",
      `claims "repository" (${shown(p.repository)}) and "repository_id" (${shown(p.repositoryId)}) are not in OIDC_REPOSITORIES`,
    );
  }
  const sub = subMismatch(payload, p);
  if (sub) return refuse("oidc_sub", sub);
  const checks: [RefusalReason, string, string | null, Allowed | null, string][] = [
    ["oidc_ref", "ref", p.ref, policy.refs, "OIDC_REFS"],
    ["oidc_event_name", "event_name", p.event, policy.events, "OIDC_EVENTS"],
    ["oidc_environment", "environment", p.environment?.toLowerCase() ?? null, policy.environments, "OIDC_ENVIRONMENTS"],
    ["oidc_job_workflow_ref", "job_workflow_ref", p.workflow, policy.workflows, "OIDC_WORKFLOWS"],
  ];
  for (const [reason, name, value, allowed, variable] of checks) {
    if (allowed && !allowed.has(value)) {
      return refuse(reason, `claim "${name}" is ${shown(value)}, not in ${variable} (${allowed.text})`);
    }
  }
  return { ok: true, principal: p };
}
