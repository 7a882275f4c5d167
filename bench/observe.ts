import type { Color } from "../shared";

export interface Sample {
  /** Date.now() when the request was sent (the router picks its color when the request arrives). */
  sentAt: number;
  /** `x-served-by`; null when the request failed. */
  servedBy: string | null;
}

/**
 * A few concurrent request loops through the Worker, each sending the next request as soon as the last
 * was answered, recording which color served it. GET /stats is proxied like any log path but stores
 * nothing, so the loops sample routing finely without filling the log store or tripping probes.
 */
function observe(workerUrl: string, lanes = 4): { stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const lane = async () => {
    while (running) {
      const sentAt = Date.now();
      try {
        const res = await fetch(`${workerUrl}/stats`);
        await res.arrayBuffer();
        samples.push({ sentAt, servedBy: res.ok ? res.headers.get("x-served-by") : null });
      } catch {
        samples.push({ sentAt, servedBy: null });
      }
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, lane));
  return {
    async stop() {
      running = false;
      await done;
      return samples.sort((a, b) => a.sentAt - b.sentAt);
    },
  };
}

/** Runs `during` with the loops going and returns their samples; the loops stop even when it throws. */
export async function observing<T>(workerUrl: string, during: () => Promise<T>): Promise<[T, Sample[]]> {
  const loop = observe(workerUrl);
  try {
    const result = await during();
    return [result, await loop.stop()];
  } catch (e) {
    // A loop left running would keep the benchmark process alive.
    await loop.stop();
    throw e;
  }
}

/**
 * When every request sent from then on was served by `to`: the send time of the first `to` request after
 * the last one served otherwise. Null when no switch was seen (never served otherwise, or not completed).
 */
export function switchedAt(samples: readonly Sample[], to: Color): number | null {
  let lastOther = -1;
  samples.forEach((s, i) => {
    if (s.servedBy !== to) lastOther = i;
  });
  return lastOther === -1 ? null : (samples[lastOther + 1]?.sentAt ?? null);
}
