import { config, type Env } from "../env";
import type { LocationTier } from "./object";

/**
 * The tier of one edge location (`request.cf.colo`), or null when LOCATION_TIER is off or the LOCATIONS
 * binding is missing (then isolates talk to the controller, as before the tier). Named per controller, so
 * Workers sharing a namespace never mix their locations.
 */
export function locationTier(env: Env, location: string): DurableObjectStub<LocationTier> | null {
  const ns = env.LOCATIONS as unknown as DurableObjectNamespace<LocationTier> | undefined;
  if (!ns || !config(env).locationTier) return null;
  return ns.get(ns.idFromName(`${config(env).controllerName}/${location}`));
}
