import { config, type Env } from "../env";
import type { DeploymentController } from "./object";

/**
 * The controller's stub. Env types the binding loosely so that env.ts, which every module imports, imports
 * no controller code: the class type is applied here, and no import cycle runs through env.ts.
 */
export function controller(env: Env): DurableObjectStub<DeploymentController> {
  const ns = env.CONTROLLER as unknown as DurableObjectNamespace<DeploymentController>;
  return ns.get(ns.idFromName(config(env).controllerName));
}
