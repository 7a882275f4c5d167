// The controller's state outlives the Worker and its Durable Object, and a switch keeps the old color
// reserved (warm, no deployment onto it) for DRAIN_SECONDS.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { QUICK_DEPLOY as FAST, type StackOptions, startStack } from "../../test/support/stack";

const stack = (opts: StackOptions = {}) => startStack({ drainSeconds: 0, ...opts });

describe("durability and draining", () => {
  test("state and history survive the Worker and its Durable Object restarting", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bg-persist-"));
    try {
      let s = await stack({ persistTo: dir });
      s.platforms.green.setVersion("v2");
      const res = await s.control.deploy({ version: "v2", ...FAST });
      const done = await s.control.waitFor(res.json.id);
      expect(done.status, done.reason ?? "").toBe("succeeded");
      const before = await s.control.state();
      await s.stop();
      s = await stack({ persistTo: dir });
      try {
        const after = await s.control.state();
        expect(after.flag).toEqual(before.flag);
        expect(after.history).toEqual(before.history);
        expect((await s.control.deployment(res.json.id)).status).toBe("succeeded");
        const routed = await fetch(`${s.worker.url}/ingest`, { method: "POST", body: "{}" });
        expect(routed.headers.get("x-served-by")).toBe("green");
      } finally {
        await s.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the old color stays reserved for DRAIN_SECONDS after a switch", async () => {
    const s = await stack({ drainSeconds: 120 });
    try {
      s.platforms.green.setVersion("v2");
      const res = await s.control.deploy({ version: "v2", ...FAST, watchSeconds: 0 });
      expect((await s.control.waitFor(res.json.id)).status).toBe("succeeded");
      const st = await s.control.state();
      expect(st.colors.blue.drainingUntil).not.toBeNull();
      expect(Date.parse(st.colors.blue.drainingUntil ?? "") - Date.now()).toBeGreaterThan(100_000);
      const next = await s.control.call<{ error: { code: string } }>("POST", "/api/deployments", { version: "v3" });
      expect(next.status).toBe(409);
      expect(next.json.error.code).toBe("color_draining");
    } finally {
      await s.stop();
    }
  });
});
