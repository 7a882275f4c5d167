import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** when it arrived (unix ms), and the status it was answered with. */
  at: number;
  status: number;
}

/**
 * An origin that records every request (but health checks) and answers with a status the test sets, after a delay the
 * test sets (`Infinity`: it never answers, like a hung release).
 */
export async function echoOrigin(name: string) {
  const seen: Seen[] = [];
  let status = 200;
  let delayMs = 0;
  let extraHeaders: Record<string, string> = {};
  /** requests in progress now, and the most there ever were at once. */
  let inFlight = 0;
  let maxInFlight = 0;
  /** requests whose client went away before this origin answered. */
  let abandoned = 0;
  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      // The controller checks both colors' health in the background: that is not traffic under test.
      if (req.url !== "/health")
        seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, at: Date.now(), status });
      const answer = () => {
        res.writeHead(status, { "content-type": "application/json", "x-origin": name, ...extraHeaders });
        res.end(JSON.stringify({ origin: name, version: name, bytes: body.length }));
      };
      if (delayMs === 0) return answer();
      const timer = Number.isFinite(delayMs) ? setTimeout(answer, delayMs) : undefined;
      res.on("close", () => {
        if (res.writableFinished) return;
        clearTimeout(timer);
        abandoned++;
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    setStatus: (s: number) => {
      status = s;
    },
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    /** headers added to every answer (e.g. Retry-After with a 429). */
    setHeaders: (h: Record<string, string>) => {
      extraHeaders = h;
    },
    maxInFlight: () => maxInFlight,
    resetMaxInFlight: () => {
      maxInFlight = inFlight;
    },
    abandoned: () => abandoned,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
