import { readdir, readFile } from "node:fs/promises";
import type { WorkerHandle } from "./worker";

/**
 * The two workerd processes of a `wrangler dev`: `user` runs the user Worker (the process whose memory
 * the 128 MB isolate limit is about), `proxy` runs wrangler's proxy Worker, which listens on the public port.
 */
export async function workerdPids(worker: WorkerHandle): Promise<{ user: number; proxy: number }> {
  const found = { user: 0, proxy: 0 };
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    // Fields after the command name: state, ppid, pgrp.
    const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    if (pgrp !== worker.pgid) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmd.includes("workerd") || !cmd.includes("serve")) continue;
    found[cmd.includes(`entry=127.0.0.1:${worker.port}`) ? "proxy" : "user"] = Number(pid);
  }
  if (!found.user || !found.proxy) throw new Error("the workerd processes of the Worker were not found");
  return found;
}

/** The pid of the workerd process that runs the user Worker. */
export async function userWorkerdPid(worker: WorkerHandle): Promise<number> {
  return (await workerdPids(worker)).user;
}

/** Resident memory of a process, MiB (VmRSS; VmHWM is the peak since it started). */
export async function rssMiB(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
  return kb / 1024;
}
