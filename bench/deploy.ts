import { ApiError, type Deployment, type DeploymentRequest } from "../shared";
import { sleep } from "../test/support/api";
import type { Stack } from "../test/support/stack";

/**
 * "Deploys" `version` on the idle color (as a deploy command would) and starts its deployment; waits out
 * `409 color_draining` left by the previous switch of this benchmark.
 */
export async function deployIdle(s: Stack, req: DeploymentRequest): Promise<Deployment> {
  const state = await s.control.state();
  s.platforms[state.standby].setVersion(req.version);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await s.control.deploy(req);
    if (res.status === 201) return res.json;
    const err = ApiError.safeParse(res.json);
    if (!err.success || err.data.error.code !== "color_draining" || Date.now() > deadline)
      throw new Error(`deploy ${req.version}: ${res.status} ${JSON.stringify(res.json)}`);
    await sleep(100);
  }
}
