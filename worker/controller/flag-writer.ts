import { type Color, FLAG_KEY } from "../../shared";
import { kvWriteFailedEvent } from "../notify/events";
import { notify } from "../notify/task";
import { type Core, iso } from "./core";

const KV_WRITE_ATTEMPTS = 4;

/** Flag change: state persisted first, then one KV write; writes are chained so they land in order. */
export async function writeFlag(core: Core, color: Color, deploymentId: string | null): Promise<void> {
  core.s.flag = { color, epoch: core.s.flag.epoch + 1, deploymentId, updatedAt: iso() };
  await core.commit();
  const value = JSON.stringify(core.s.flag);
  core.kvChain = core.kvChain.then(() => putWithRetry(core.env.ROUTING, value));
  try {
    await core.kvChain;
  } catch (e) {
    await notify(core, kvWriteFailedEvent(core.s.flag, (e as Error).message));
    throw e;
  }
}

async function putWithRetry(kv: KVNamespace, value: string): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await kv.put(FLAG_KEY, value);
    } catch (e) {
      // KV allows about one write per second per key: back off and try again.
      if (i >= KV_WRITE_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 1000 * i));
    }
  }
}
