import { echoOrigin } from "./echo-origin";
import { startWorker, type WorkerHandle } from "./worker";

export type EchoOrigin = Awaited<ReturnType<typeof echoOrigin>>;

export interface EchoPair {
  blue: EchoOrigin;
  green: EchoOrigin;
  worker: WorkerHandle;
  stop(): Promise<void>;
}

/** Blue and green echo origins and the real Worker (`wrangler dev`) routing between them, with `vars` on top. */
export async function echoPair(
  vars: Record<string, string> = {},
  persistTo?: string,
  /** another wrangler.toml (e.g. test/support/wrangler-config.ts's variant without the spool bindings). */
  config?: string,
): Promise<EchoPair> {
  const [blue, green] = await Promise.all([echoOrigin("blue"), echoOrigin("green")]);
  try {
    const worker = await startWorker({
      vars: { BLUE_ORIGIN: blue.url, GREEN_ORIGIN: green.url, CONTROL_TOKEN: "echo-pair-token", ...vars },
      persistTo,
      config,
    });
    return {
      blue,
      green,
      worker,
      stop: async () => {
        await worker.stop();
        await Promise.all([blue.close(), green.close()]);
      },
    };
  } catch (e) {
    await Promise.all([blue.close(), green.close()]);
    throw e;
  }
}
