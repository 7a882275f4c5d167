import { readFile } from "node:fs/promises";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { join } from "node:path";

export interface Machine {
  nproc: number;
  memoryGiB: number;
  cpu: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAtStart: number;
  node: string;
  wrangler: string;
  workerd: string;
}

const ROOT = join(import.meta.dirname, "..");

async function packageVersion(name: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, "node_modules", name, "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  return {
    nproc: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    loadAtStart: loadavg()[0] ?? 0,
    node: process.version,
    wrangler: await packageVersion("wrangler"),
    workerd: await packageVersion("workerd"),
  };
}
