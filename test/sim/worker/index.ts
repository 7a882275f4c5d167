// Entry of the simulation Worker (wrangler.toml beside it). Requests with `x-sim-location: i` are routed
// by simulated location i; /sim/* drives the simulation; everything else is the project's own app.
import { FLAG_KEY, Flag } from "../../../shared/schemas";
import { controller } from "../../../worker/controller/stub";
import { config } from "../../../worker/env";
import { cacheEntry } from "../../../worker/flag/fast";
import app from "../../../worker/index";
import { route } from "../../../worker/router/route";
import type { SimController } from "./controller";
import type { SimEnv } from "./env";
import { World } from "./locations";
import { simTier } from "./sources";

export { SimController } from "./controller";
export { SimLocationTier } from "./tier";

// (test/sim/harness.ts sends it.)
const LOCATION_HEADER = "x-sim-location";

let world: World | null = null;

const sim = (env: SimEnv) => controller(env) as unknown as DurableObjectStub<SimController>;

async function simApi(request: Request, env: SimEnv, ctx: ExecutionContext, w: World): Promise<Response> {
  const { pathname } = new URL(request.url);
  const key = `${request.method} ${pathname}`;
  if (key === "POST /sim/faults") {
    await sim(env).simFaults(await request.json());
    return Response.json({ ok: true });
  }
  if (key === "POST /sim/alarm-twice") return Response.json(await sim(env).simAlarmTwice());
  if (key === "POST /sim/hold-alarms") {
    await sim(env).simHoldAlarms((await request.json()) === true);
    return Response.json({ ok: true });
  }
  // KV changed behind the controller's back (a hand edit), bypassing the controller.
  if (key === "PUT /sim/kv") {
    await env.ROUTING.put(FLAG_KEY, await request.text());
    return Response.json({ ok: true });
  }
  if (key === "POST /sim/fast-path-faults") {
    await sim(env).simFastPathFaults(await request.json());
    return Response.json({ ok: true });
  }
  // The controller's fast-path reads, and each location's counts of its own.
  if (key === "GET /sim/fast-path") {
    const perLocation = w.locations.map(({ fast }) => ({
      reads: fast?.reads ?? 0,
      failures: fast?.failures ?? 0,
      cacheHits: fast?.cacheHits ?? 0,
    }));
    return Response.json({ controllerReads: await sim(env).simFastPathReads(), perLocation });
  }
  // A fast-path entry planted in location i's cache, as if just read from the controller (a stale one, say).
  const planted = /^PUT \/sim\/fast-cache\/(\d+)$/.exec(key);
  if (planted) {
    const { cache, key: url } = w.cacheOf(Number(planted[1]));
    await (await cache()).put(url, cacheEntry(Flag.parse(await request.json()), Date.now()));
    return Response.json({ ok: true });
  }
  if (key === "POST /sim/outage") {
    await sim(env).simOutage(Number(await request.json()));
    return Response.json({ ok: true });
  }
  if (key === "GET /sim/scale") return Response.json(await scaleFigures(env, w));
  // Log batches through the listed isolates, one each, all at once (the scale simulation's traffic: one
  // request here instead of one per batch keeps the load generator off this 2-core machine's back).
  if (key === "POST /sim/burst") {
    const indices = (await request.json()) as number[];
    const statuses = await Promise.all(
      indices.map(async (i) => {
        const at = w.locations[i];
        if (!at) return 0;
        const batch = new Request(new URL("/ingest", request.url), {
          method: "POST",
          headers: { "content-type": "application/x-ndjson" },
          body: `{"isolate":${i},"at":${Date.now()}}\n`,
        });
        const res = await route(batch, env, ctx, at);
        await res.arrayBuffer();
        return res.status;
      }),
    );
    return Response.json({ ok: statuses.filter((st) => st >= 200 && st < 300).length, sent: statuses.length });
  }
  // Each isolate's epoch as a request arriving now would route (its flag source, refreshing as it would).
  if (key === "GET /sim/epochs") {
    const ms = config(env).flagCacheMs;
    return Response.json(w.locations.map((i) => i.routing(env, ms, ctx)));
  }
  if (key === "GET /sim/kv") return Response.json({ value: await env.ROUTING.get(FLAG_KEY) });
  if (key === "GET /sim/writes") return Response.json(w.propagation.writes(w.locations.length));
  return Response.json({ error: { code: "not_found", message: key } }, { status: 404 });
}

/** The scale simulation's raw figures (test/sim/scale.ts turns them into its JSON line). */
async function scaleFigures(env: SimEnv, w: World) {
  const isolates = { recorded: 0, pending: 0, dropped: 0, kvReads: 0, fastReads: 0, fastFailures: 0, cacheHits: 0 };
  for (const i of w.locations) {
    isolates.recorded += i.counters.recorded;
    isolates.pending += i.counters.pending();
    isolates.dropped += i.counters.totals.dropped;
    isolates.kvReads += i.kv.reads;
    isolates.fastReads += i.fast.reads;
    isolates.fastFailures += i.fast.failures;
    isolates.cacheHits += i.fast.cacheHits;
  }
  const tiers =
    env.SIM_FLAG_SOURCE === "tier"
      ? await Promise.all(Array.from({ length: w.locationCount }, (_, i) => simTier(env, i).simMeter()))
      : [];
  return { isolates, tiers, controller: await sim(env).simMeter() };
}

export default {
  fetch(request: Request, env: SimEnv, ctx: ExecutionContext): Promise<Response> | Response {
    world ??= new World(env);
    const at = request.headers.get(LOCATION_HEADER);
    if (at !== null) {
      const location = world.locations[Number(at)];
      if (!location) return Response.json({ error: { code: "no_location", message: at } }, { status: 400 });
      const headers = new Headers(request.headers);
      headers.delete(LOCATION_HEADER);
      return route(new Request(request, { headers }), env, ctx, location);
    }
    if (new URL(request.url).pathname.startsWith("/sim/")) return simApi(request, env, ctx, world);
    return app.fetch(request, env, ctx);
  },
};
