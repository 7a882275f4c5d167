/** ISO time of unix ms (now by default). */
export const iso = (ms = Date.now()) => new Date(ms).toISOString();

export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
