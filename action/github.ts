import * as core from "@actions/core";
import { context, getOctokit } from "@actions/github";
import { errorText } from "../control/outcome";

type Octokit = ReturnType<typeof getOctokit>;
export type GithubState = "in_progress" | "success" | "failure";

export interface GithubDeploymentOptions {
  token: string;
  environment: string;
  /** commit, branch or tag the deployment is recorded against. */
  ref: string;
  description: string;
  payload: Record<string, string>;
  /** where the environment is reached (the Worker), shown on success. */
  environmentUrl: string;
}

const DESCRIPTION_MAX = 140;
const short = (s: string) => (s.length > DESCRIPTION_MAX ? `${s.slice(0, DESCRIPTION_MAX - 1)}…` : s);

function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = process.env;
  return GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID
    ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
    : undefined;
}

/**
 * The run the action is part of, for the Worker's audit log (x-github-run-id, x-github-run-attempt,
 * x-github-repository). With OIDC the Worker takes these from the token's claims instead.
 */
export function runHeaders(): Record<string, string> {
  const { GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_REPOSITORY } = process.env;
  const headers: Record<string, string> = {};
  if (GITHUB_RUN_ID) headers["x-github-run-id"] = GITHUB_RUN_ID;
  if (GITHUB_RUN_ATTEMPT) headers["x-github-run-attempt"] = GITHUB_RUN_ATTEMPT;
  if (GITHUB_REPOSITORY) headers["x-github-repository"] = GITHUB_REPOSITORY;
  return headers;
}

/**
 * A GitHub deployment for the environment, with its statuses. Recording it is a courtesy: a GitHub
 * API failure is a warning and never fails the blue/green deployment itself.
 */
export class GithubDeployment {
  private constructor(
    private readonly octokit: Octokit,
    private readonly id: number,
    private readonly opts: GithubDeploymentOptions,
  ) {}

  /** Creates the deployment; null (with a notice or warning) when it cannot be recorded. */
  static async create(opts: GithubDeploymentOptions): Promise<GithubDeployment | null> {
    if (!opts.token) {
      core.notice("github-token is empty: no GitHub deployment is recorded.");
      return null;
    }
    // Global fetch rather than the toolkit's own undici: one HTTP stack for the whole action.
    const octokit = getOctokit(opts.token, {
      request: { fetch: (url: string, init: RequestInit) => fetch(url, init) },
    });
    try {
      const res = await octokit.rest.repos.createDeployment({
        ...context.repo,
        ref: opts.ref,
        environment: opts.environment,
        description: short(opts.description),
        payload: opts.payload,
        auto_merge: false,
        // The workflow already decided to deploy; commit statuses must not block recording it.
        required_contexts: [],
      });
      if (!("id" in res.data)) throw new Error(res.data.message ?? "no deployment created");
      return new GithubDeployment(octokit, res.data.id, opts);
    } catch (e) {
      core.warning(`Could not record a GitHub deployment for ${opts.environment}: ${errorText(e)}`);
      return null;
    }
  }

  async status(state: GithubState, description: string): Promise<void> {
    try {
      await this.octokit.rest.repos.createDeploymentStatus({
        ...context.repo,
        deployment_id: this.id,
        state,
        description: short(description),
        log_url: runUrl(),
        environment_url: state === "success" ? this.opts.environmentUrl : undefined,
        auto_inactive: false,
      });
      if (state === "success") await this.deactivatePrevious();
    } catch (e) {
      core.warning(`Could not set the GitHub deployment status to ${state}: ${errorText(e)}`);
    }
  }

  /** The deployment this one replaced (the newest earlier one whose last status is success) becomes inactive. */
  private async deactivatePrevious(): Promise<void> {
    const { data } = await this.octokit.rest.repos.listDeployments({
      ...context.repo,
      environment: this.opts.environment,
      per_page: 20,
    });
    for (const d of data) {
      if (d.id === this.id) continue;
      const statuses = await this.octokit.rest.repos.listDeploymentStatuses({
        ...context.repo,
        deployment_id: d.id,
        per_page: 1,
      });
      if (statuses.data[0]?.state !== "success") continue;
      await this.octokit.rest.repos.createDeploymentStatus({
        ...context.repo,
        deployment_id: d.id,
        state: "inactive",
        description: short(`replaced by deployment ${this.id} (${this.opts.payload.version ?? this.opts.ref})`),
        log_url: runUrl(),
      });
      return;
    }
  }
}
