// Configuration consistency (issue 15): every node of the candidate color must report the configHash the
// deployment names, and all its health answers must agree, through the real Worker and stand-in platform.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { Color } from "../../shared";
import type { Faults } from "../../test/platform/faults";
import { type Stack, startStack } from "../../test/support/stack";

const FAST = { thresholds: { probeIntervalMs: 100, minSamples: 6, minRouterRequests: 0 }, watchSeconds: 0 };

describe("configuration consistency", () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ drainSeconds: 0 });
  });
  afterAll(() => s?.stop());
  beforeEach(() => {
    s.platforms.blue.setFaults({});
    s.platforms.green.setFaults({});
  });

  /** Puts `version` with `configHash` on the idle color (what the action's deploy-command does). */
  async function release(version: string, configHash: string, faults: Faults = {}): Promise<Color> {
    const color = (await s.control.state()).standby;
    s.platforms[color].setVersion(version);
    s.platforms[color].setConfigHash(configHash);
    s.platforms[color].setFaults(faults);
    return color;
  }

  async function rejected(body: Record<string, unknown>) {
    const before = await s.control.state();
    const res = await s.control.deploy({ ...FAST, ...body });
    expect(res.status).toBe(201);
    const done = await s.control.waitFor(res.json.id);
    expect(done.status).toBe("failed");
    expect(done.promotedAt).toBeNull();
    // Traffic never moved: the flag write at validation start (failover off, the mirror on), and the one that
    // took the mirror out when it failed.
    const after = (await s.control.state()).flag;
    expect(after).toMatchObject({ color: before.flag.color, deploymentId: before.flag.deploymentId, failover: false });
    expect(after.epoch).toBe(before.epoch + 2);
    return done;
  }

  test("a release whose nodes all report the named configHash passes; the state shows it", async () => {
    const color = await release("v2", "cfg-2");
    const res = await s.control.deploy({ version: "v2", configHash: "cfg-2", ...FAST });
    const done = await s.control.waitFor(res.json.id);
    expect(done.status).toBe("succeeded");
    expect(done.configHash).toBe("cfg-2");
    // Both nodes, in whichever order the round-robin answered first (the mirror's declaration check asks too).
    expect(done.identities?.map((i) => ({ ...i, nodes: [...i.nodes].sort() }))).toEqual([
      { version: "v2", configHash: "cfg-2", nodes: [`${color}-1`, `${color}-2`], answers: expect.any(Number) },
    ]);
    expect((await s.control.state()).colors[color].configHash).toBe("cfg-2");
  });

  test("a config mismatch fails validation with reason config", async () => {
    await release("v3", "cfg-stale");
    const done = await rejected({ version: "v3", configHash: "cfg-3" });
    expect(done.reason).toMatch(
      /^config check failed: configHash mismatch: expected cfg-3, got cfg-stale \(node \w+-[12]\)$/,
    );
    expect(done.probes.at(-1)).toMatchObject({ phase: "pre", check: "config", ok: false });
  });

  test("a half-rolled color (one node on the old config, same version) is rejected without a named hash", async () => {
    const color = await release("v4", "cfg-4", { halfRolled: { configHash: "cfg-3" } });
    const done = await rejected({ version: "v4" });
    // Which node answered first depends on the controller's other health checks of that color.
    expect(done.reason).toMatch(
      /^config check failed: half-rolled: its nodes report 2 different version\/configHash: /,
    );
    expect(done.reason).toContain(`v4/cfg-4 1× on ${color}-1`);
    expect(done.reason).toContain(`v4/cfg-3 1× on ${color}-2`);
  });

  test("a half-rolled color whose second node runs the old version never takes traffic", async () => {
    await release("v5", "cfg-5", { halfRolled: { version: "v4", configHash: "cfg-4" } });
    const done = await rejected({ version: "v5", configHash: "cfg-5" });
    expect(done.reason).toMatch(/^config check failed: configHash mismatch: expected cfg-5, got cfg-4/);
  });
});
