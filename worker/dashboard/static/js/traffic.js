// Per-second router traffic per color, merged from state snapshots and `traffic` events.

/** @typedef {import("../../../../shared/schemas").Color} Color */
/** @typedef {import("../../../../shared/schemas").State} State */
/** @typedef {import("../../../../shared/schemas").TrafficPoint} TrafficPoint */
/** @typedef {import("../../../../shared/schemas").TrafficEvent} TrafficEvent */

/** As much as a state snapshot carries (worker/traffic.ts SERIES_SECONDS). */
const KEEP_MS = 300_000;
/** Live figures average the last complete seconds: routers flush about once a second, not in step. */
const LIVE_SECONDS = 5;

/** @typedef {{ rps: number, errorRate: number | null, p95Ms: number | null, ejections: number }} LiveStats */

export class Traffic {
  /** @type {Record<Color, Map<number, TrafficPoint>>} */
  points = { blue: new Map(), green: new Map() };

  /** A snapshot is authoritative for the seconds it covers. @param {State["traffic"]} traffic */
  reset(traffic) {
    for (const color of /** @type {const} */ (["blue", "green"])) {
      this.points[color] = new Map(traffic[color].map((p) => [p.t, p]));
    }
  }

  /** The latest second per color; it replaces an earlier report of the same second. @param {TrafficEvent} event */
  add(event) {
    for (const color of /** @type {const} */ (["blue", "green"])) {
      const p = event[color];
      if (p) this.points[color].set(p.t, p);
    }
    this.prune(Date.now());
  }

  /** @param {number} now */
  prune(now) {
    for (const map of Object.values(this.points)) {
      for (const t of map.keys()) if (t < now - KEEP_MS) map.delete(t);
    }
  }

  /** Oldest second held for either color, or null. */
  earliest() {
    const all = [...this.points.blue.keys(), ...this.points.green.keys()];
    return all.length ? Math.min(...all) : null;
  }

  /**
   * Requests/s, 5xx share and worst p95 over the last complete seconds; ejections over all seconds held
   * (rare events: a 5-second window would hide them almost at once).
   * @param {Color} color
   * @param {number} now
   * @returns {LiveStats}
   */
  live(color, now) {
    const end = Math.floor(now / 1000) * 1000;
    let requests = 0;
    let errors = 0;
    /** @type {number | null} */
    let p95 = null;
    let ejections = 0;
    for (const p of this.points[color].values()) {
      ejections += p.ejections ?? 0;
      if (p.t >= end || p.t < end - LIVE_SECONDS * 1000) continue;
      requests += p.requests;
      errors += p.errors5xx;
      if (p.p95Ms !== null) p95 = Math.max(p95 ?? 0, p.p95Ms);
    }
    return { rps: requests / LIVE_SECONDS, errorRate: requests ? errors / requests : null, p95Ms: p95, ejections };
  }

  /**
   * One value per second from `from` to `to` (unix ms, whole seconds), zero where nothing was reported.
   * @param {Color} color
   * @param {number} from
   * @param {number} to
   */
  perSecond(color, from, to) {
    /** @type {{ t: number, requests: number, errors5xx: number }[]} */
    const out = [];
    for (let t = from; t <= to; t += 1000) {
      const p = this.points[color].get(t);
      out.push({ t, requests: p?.requests ?? 0, errors5xx: p?.errors5xx ?? 0 });
    }
    return out;
  }
}
