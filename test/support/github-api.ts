import { HttpResponse, http } from "msw";

export interface FakeStatus {
  state: string;
  description: string;
  environment_url?: string;
  log_url?: string;
}

export interface FakeDeployment {
  id: number;
  ref: string;
  environment: string;
  description: string;
  payload: Record<string, unknown>;
  /** oldest first. */
  statuses: FakeStatus[];
}

const API = "https://api.github.com/repos/:owner/:repo/deployments";

/**
 * GitHub's deployments REST API, in memory, as msw handlers: create/list deployments and their
 * statuses for one repository. Requests without a token get 401, for another repository 404.
 */
export function fakeGithub(repository: string) {
  const deployments: FakeDeployment[] = [];
  let nextId = 1000;
  const check = (request: Request, params: Record<string, unknown>) => {
    if (!request.headers.get("authorization"))
      return HttpResponse.json({ message: "Requires authentication" }, { status: 401 });
    if (`${params.owner}/${params.repo}` !== repository)
      return HttpResponse.json({ message: "Not Found" }, { status: 404 });
    return null;
  };
  const find = (id: unknown) => deployments.find((d) => d.id === Number(id));

  const handlers = [
    http.post(API, async ({ request, params }) => {
      const denied = check(request, params);
      if (denied) return denied;
      const body = (await request.json()) as Omit<FakeDeployment, "id" | "statuses">;
      const d: FakeDeployment = { ...body, id: nextId++, statuses: [] };
      deployments.push(d);
      return HttpResponse.json({ id: d.id, ref: d.ref, environment: d.environment }, { status: 201 });
    }),
    http.get(API, ({ request, params }) => {
      const denied = check(request, params);
      if (denied) return denied;
      const url = new URL(request.url);
      const env = url.searchParams.get("environment");
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const list = deployments.filter((d) => !env || d.environment === env).reverse();
      return HttpResponse.json(list.slice(0, perPage).map(({ statuses: _, ...d }) => d));
    }),
    http.post(`${API}/:id/statuses`, async ({ request, params }) => {
      const denied = check(request, params);
      if (denied) return denied;
      const d = find(params.id);
      if (!d) return HttpResponse.json({ message: "Not Found" }, { status: 404 });
      d.statuses.push((await request.json()) as FakeStatus);
      return HttpResponse.json({ id: d.statuses.length, state: d.statuses.at(-1)?.state }, { status: 201 });
    }),
    http.get(`${API}/:id/statuses`, ({ request, params }) => {
      const denied = check(request, params);
      if (denied) return denied;
      const d = find(params.id);
      if (!d) return HttpResponse.json({ message: "Not Found" }, { status: 404 });
      const perPage = Number(new URL(request.url).searchParams.get("per_page") ?? 30);
      return HttpResponse.json([...d.statuses].reverse().slice(0, perPage));
    }),
  ];

  return {
    handlers,
    deployments,
    /** a deployment that already serves (its last status success), as an earlier run left it. */
    seed(environment: string, version: string): FakeDeployment {
      const d: FakeDeployment = {
        id: nextId++,
        ref: version,
        environment,
        description: `seeded ${version}`,
        payload: { version },
        statuses: [{ state: "success", description: "seeded" }],
      };
      deployments.push(d);
      return d;
    },
    /** state names of a deployment's statuses, oldest first. */
    states: (d: FakeDeployment | undefined) => d?.statuses.map((s) => s.state) ?? [],
  };
}
