import { afterEach, beforeEach } from "vitest";
import { createPlatform, type Platform } from "../platform/platform";
import { LogStore } from "../platform/store";

/** One platform origin on an in-memory store for each test of the file (the producers' tests run straight at it). */
export function platformPerTest(): { readonly store: LogStore; readonly platform: Platform } {
  const ctx = {} as { store: LogStore; platform: Platform };
  beforeEach(async () => {
    ctx.store = new LogStore(":memory:");
    ctx.platform = await createPlatform({ color: "blue", version: "v1", store: ctx.store });
  });
  afterEach(async () => {
    await ctx.platform.close();
    ctx.store.close();
  });
  return ctx;
}
