import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Color } from "../../shared";
import type { FaultsByVersion } from "../platform/faults";
import { createPlatform } from "../platform/platform";
import type { Stack } from "./stack";

export interface Deployer {
  /** a `deploy-command` that deploys $DEPLOY_VERSION to $DEPLOY_COLOR through this deployer. */
  command: string;
  /** every deploy asked for, in order. */
  deploys: Array<{ color: Color; version: string }>;
  close(): Promise<void>;
}

// What a deploy step would run (a CLI call to the hosting platform); here Node's fetch, so nothing but
// Node is needed. $DEPLOY_* come from the action; a non-2xx answer exits non-zero with the reason.
const DEPLOY_SCRIPT = [
  "const body = new URLSearchParams({ color: process.env.DEPLOY_COLOR, version: process.env.DEPLOY_VERSION, origin: process.env.DEPLOY_ORIGIN });",
  "fetch(process.argv[1], { method: 'POST', body }).then(async (r) => { process.stdout.write(await r.text()); process.exitCode = r.ok ? 0 : 1; });",
].join(" ");

const deployCommand = (url: string) => `"${process.execPath}" -e "${DEPLOY_SCRIPT}" "${url}"`;

async function form(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

/**
 * A test-only deploy target for the action's `deploy-command`: `POST /deploy` (form: color, version,
 * origin) restarts that color's origin with the version and the faults `faults` gives that version,
 * as a real deploy restarts the process. It checks DEPLOY_ORIGIN against the color's origin.
 */
export async function startDeployer(stack: Stack, faults: FaultsByVersion = {}): Promise<Deployer> {
  const deploys: Deployer["deploys"] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await form(req);
    const color = Color.safeParse(body.get("color"));
    const version = body.get("version") ?? "";
    if (req.url !== "/deploy" || !color.success || !version) return res.writeHead(400).end("bad deploy request\n");
    const old = stack.platforms[color.data];
    if (body.get("origin") !== old.url)
      return res.writeHead(400).end(`origin ${body.get("origin")} is not ${old.url}\n`);
    await old.close();
    stack.platforms[color.data] = await createPlatform({
      color: color.data,
      version,
      store: stack.store,
      faults: faults[version],
      port: old.port,
    });
    deploys.push({ color: color.data, version });
    res.writeHead(200).end(`deployed ${version} to ${color.data}\n`);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => res.writeHead(500).end(`${e.message}\n`));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    command: deployCommand(`${url}/deploy`),
    deploys,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      // The restarted origins are not the ones the stack closes itself.
      await Promise.all([stack.platforms.blue.close(), stack.platforms.green.close()]);
    },
  };
}
