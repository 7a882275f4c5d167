import { expect, test } from "vitest";
import { Counters, OTHER_PATH } from "./counters";

test("outcomes per color, per path (the caller's bounded keys), with timeouts and ejections", () => {
  const c = new Counters();
  c.record(3, "blue", "/ingest", 200, 12, false, false);
  c.record(3, "blue", "/v1/logs", 504, 4000, false, true);
  c.record(3, "green", "/v1/logs", 200, 30, true, false);
  c.record(3, "blue", OTHER_PATH, 500, 5, false, false);
  c.ejected(3, "blue");
  const [batch] = c.take(10_000);
  expect(batch?.epoch).toBe(3);
  const blue = batch?.colors.blue;
  expect(blue).toMatchObject({ requests: 3, errors5xx: 2, failovers: 0, timeouts: 1, ejections: 1 });
  expect(blue?.paths).toEqual({
    "/ingest": { requests: 1, errors5xx: 0 },
    "/v1/logs": { requests: 1, errors5xx: 1 },
    other: { requests: 1, errors5xx: 1 },
  });
  expect(batch?.colors.green).toMatchObject({ requests: 1, failovers: 1, paths: { "/v1/logs": { requests: 1 } } });
  expect(c.totals).toEqual({ timeouts: 1, ejections: 1 });
  // Flushed: nothing again until new outcomes.
  expect(c.take(20_000)).toEqual([]);
});
