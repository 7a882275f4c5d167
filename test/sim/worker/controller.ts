import { type CounterFlush, FLAG_KEY, type Flag } from "../../../shared/schemas";
import { DeploymentController } from "../../../worker/controller/object";
import type { Env } from "../../../worker/env";
import { ControllerMeter } from "./meter";

export interface KvFaults {
  /** every KV write of the controller throws, as when KV is unavailable or rate-limits it. */
  failPuts?: boolean;
}

/** The controller's KV with writes that fail on demand (reads are untouched). */
function faultyKv(kv: KVNamespace, faults: KvFaults): KVNamespace {
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "put") {
        return (...args: Parameters<KVNamespace["put"]>) => {
          if (faults.failPuts) return Promise.reject(new Error("simulated KV write failure"));
          return target.put(...args);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Faults of the fast path (FLAG_FAST_PATH): its reads of the controller's flag fail, or answer late. */
export interface FastPathFaults {
  fail?: boolean;
  delayMs?: number;
}

/** The real controller, with a KV that can fail, and hooks the tests drive. */
export class SimController extends DeploymentController {
  private readonly faults: KvFaults;
  /** while true, alarms the runtime delivers do nothing: only simAlarmTwice runs the handler. */
  private held = false;
  private fastFaults: FastPathFaults = {};
  /** fast-path reads of the flag, counted by when they arrived (unix ms). */
  private readonly fastReads: number[] = [];
  /** every router-facing request (the scale simulation's figures), and the outage switch. */
  private readonly meter = new ControllerMeter();

  constructor(ctx: DurableObjectState, env: Env) {
    const faults: KvFaults = {};
    super(ctx, { ...env, ROUTING: faultyKv(env.ROUTING, faults) });
    this.faults = faults;
  }

  simFaults(faults: KvFaults): void {
    Object.assign(this.faults, faults);
  }

  simFastPathFaults(faults: FastPathFaults): void {
    this.fastFaults = faults;
  }

  /** When the fast-path reads arrived (unix ms), all of them since the object started. */
  simFastPathReads(): number[] {
    return this.fastReads;
  }

  /** The controller answers no router (reports, exchanges, fast-path reads fail) for `ms`. */
  simOutage(ms: number): void {
    this.meter.downUntil = Date.now() + ms;
  }

  simMeter(): { requests: Array<[number, number]>; counted: number; delaysMs: number[] } {
    const { requests, counted, delaysMs } = this.meter;
    return { requests: requests.entries(), counted, delaysMs };
  }

  override async report(batches: CounterFlush[]): Promise<void> {
    this.meter.arrive(batches);
    return super.report(batches);
  }

  override async exchange(batches: CounterFlush[], location: string): Promise<Flag> {
    this.meter.arrive(batches);
    return super.exchange(batches, location);
  }

  override async currentFlag(): Promise<Flag> {
    this.meter.arrive();
    this.fastReads.push(Date.now());
    const { fail, delayMs } = this.fastFaults;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (fail) throw new Error("simulated fast-path failure");
    return super.currentFlag();
  }

  simHoldAlarms(held: boolean): void {
    this.held = held;
  }

  override alarm(): Promise<void> {
    return this.held ? Promise.resolve() : super.alarm();
  }

  /**
   * Runs the alarm handler twice in a row (as an at-least-once delivery may) and returns the stored
   * state and KV's flag after each run. The pending alarm is cleared around them so only these two run.
   */
  async simAlarmTwice(): Promise<{ first: string; second: string }> {
    const once = async () => {
      await super.alarm();
      await this.ctx.storage.deleteAlarm();
      const stored = [...(await this.ctx.storage.list())];
      return JSON.stringify({ stored, kv: await this.env.ROUTING.get(FLAG_KEY) });
    };
    await this.ctx.storage.deleteAlarm();
    const first = await once();
    return { first, second: await once() };
  }
}
