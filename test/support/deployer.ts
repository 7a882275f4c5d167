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
    command: `curl -fsS "${url}/deploy" --data-urlencode "color=$DEPLOY_COLOR" --data-urlencode "version=$DEPLOY_VERSION" --data-urlencode "origin=$DEPLOY_ORIGIN"`,
    deploys,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      // The restarted origins are not the ones the stack closes itself.
      await Promise.all([stack.platforms.blue.close(), stack.platforms.green.close()]);
    },
  };
}
