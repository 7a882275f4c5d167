// The traffic chart: requests/s per color as inline SVG, with a marker at every flag change.
// Blue is drawn solid and green dashed, and both lines are labelled, so color is never the only cue.

import { colorName, esc, perSecond } from "./format.js";

/** @typedef {import("../../../../shared/schemas").Color} Color */
/** @typedef {import("./traffic.js").Traffic} Traffic */
/** `percent`: a traffic step that sent that share of requests to `to`. @typedef {{ t: number, to: Color, rollback: boolean, percent?: number }} Marker */

const HEIGHT = 220;
const PAD = { left: 44, right: 78, top: 50, bottom: 26 };
/** Marker labels close together are stacked, up to this many rows above the plot. */
const LABEL_ROWS = 3;
const LABEL_ROW_PX = 13;
/** Flag changes closer than this on screen share one label. */
const MERGE_PX = 12;
/** Generous width of a label character at 11 px (no text measuring while building a string). */
const CHAR_PX = 6.8;
/** The window grows with the data it has, from half a minute to what a snapshot holds. */
const MIN_SPAN_MS = 30_000;
const MAX_SPAN_MS = 300_000;
/** Seconds averaged per plotted point: flushes arrive about once a second per isolate, not in step. */
const SMOOTH = 3;

/** @type {Record<Color, { stroke: string, dash: string }>} */
const STYLE = {
  blue: { stroke: "var(--blue)", dash: "" },
  green: { stroke: "var(--green)", dash: "7 4" },
};

/** 1, 2 or 5 times a power of ten, at least `v`. @param {number} v */
function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/** @param {number} ms */
const ago = (ms) => (ms === 0 ? "now" : ms % 60_000 ? `−${ms / 1000} s` : `−${ms / 60_000} min`);

/** The smallest tick step that leaves room for its label. @param {number} span @param {number} plotW */
const tickStep = (span, plotW) =>
  [5_000, 10_000, 15_000, 30_000, 60_000, 120_000].find((s) => (s / span) * plotW >= 80) ?? 120_000;

/** @param {Marker} m @param {boolean} short */
const markerText = (m, short) =>
  m.percent !== undefined
    ? `→ ${m.percent} %${short ? "" : ` to ${m.to}`}`
    : short
      ? `${m.rollback ? "↩" : "→"} ${m.to}`
      : `${m.rollback ? "↩ rollback to" : "→ switch to"} ${m.to}`;

/**
 * Flag changes as dashed vertical lines with a label above the plot. Changes a few pixels apart share one
 * label; labels that would still overlap go one row up.
 * @param {Marker[]} markers
 * @param {{ from: number, now: number, x: (t: number) => number, right: number, bottom: number, narrow: boolean }} frame
 */
function markerParts(markers, { from, now, x, right, bottom, narrow }) {
  /** @type {{ x: number, list: Marker[] }[]} */
  const groups = [];
  for (const m of markers.filter((k) => k.t >= from && k.t <= now).sort((a, b) => a.t - b.t)) {
    const mx = Math.min(x(m.t), right);
    const last = groups.at(-1);
    if (last && mx - last.x < MERGE_PX) last.list.push(m);
    else groups.push({ x: mx, list: [m] });
  }
  const parts = [];
  /** right end of the last label in each row */
  const rowEnds = new Array(LABEL_ROWS).fill(Number.NEGATIVE_INFINITY);
  for (const g of groups) {
    /** @param {boolean} short */
    const place = (short) => {
      const text = g.list.map((m) => markerText(m, short)).join("  ");
      const width = text.length * CHAR_PX;
      const alignEnd = g.x + 4 + width > right + PAD.right;
      const start = alignEnd ? g.x - 4 - width : g.x + 4;
      return { text, alignEnd, end: start + width, row: rowEnds.findIndex((end) => end + 6 < start) };
    };
    // The long label if a row has room for it, else the short one, else it overlaps in the top row.
    let label = place(narrow || g.list.length > 1);
    if (label.row === -1) label = place(true);
    const row = label.row === -1 ? LABEL_ROWS - 1 : label.row;
    rowEnds[row] = label.end;
    const y = PAD.top - 8 - row * LABEL_ROW_PX;
    for (const m of g.list) {
      const mx = Math.min(x(m.t), right);
      parts.push(`<line class="marker" x1="${mx}" x2="${mx}" y1="${y + 2}" y2="${bottom}"/>`);
    }
    parts.push(
      `<text class="marker-label" x="${label.alignEnd ? g.x - 4 : g.x + 4}" y="${y}" text-anchor="${label.alignEnd ? "end" : "start"}">${esc(label.text)}</text>`,
    );
  }
  return parts;
}

/** The legend, drawn once into the panel head. */
export const legend = () =>
  [
    `<span><svg width="22" height="10" aria-hidden="true"><line x1="0" y1="5" x2="22" y2="5" class="l-blue"/></svg>Blue (solid)</span>`,
    `<span><svg width="22" height="10" aria-hidden="true"><line x1="0" y1="5" x2="22" y2="5" class="l-green"/></svg>Green (dashed)</span>`,
    `<span><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" class="l-err"/></svg>5xx</span>`,
    `<span><svg width="10" height="12" aria-hidden="true"><line x1="5" y1="0" x2="5" y2="12" class="l-marker"/></svg>Switch</span>`,
  ].join("");

/**
 * @param {{ traffic: Traffic, markers: Marker[], width: number, now: number }} input
 * @returns {string} an `<svg>` element
 */
export function chart({ traffic, markers, width, now }) {
  const w = Math.max(280, Math.round(width));
  const to = Math.floor(now / 1000) * 1000 - 1000; // the last complete second
  const earliest = traffic.earliest() ?? to;
  const span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, Math.ceil((to - earliest) / 10_000) * 10_000));
  const from = to - span;
  const plotW = w - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (/** @type {number} */ t) => PAD.left + ((t - from) / span) * plotW;

  /** @type {Color[]} */
  const colors = ["blue", "green"];
  const raw = Object.fromEntries(colors.map((c) => [c, traffic.perSecond(c, from - SMOOTH * 1000, to)]));
  const series = Object.fromEntries(
    colors.map((c) => {
      const r = raw[c] ?? [];
      return [
        c,
        r.slice(SMOOTH).map((p, i) => ({
          t: p.t,
          rps: r.slice(i + 1, i + SMOOTH + 1).reduce((a, q) => a + q.requests, 0) / SMOOTH,
          errors: p.errors5xx,
        })),
      ];
    }),
  );
  const peak = Math.max(1, ...colors.flatMap((c) => (series[c] ?? []).map((p) => p.rps)));
  const yMax = niceCeil(peak * 1.1);
  const y = (/** @type {number} */ v) => PAD.top + plotH - (v / yMax) * plotH;
  const parts = [];

  for (const v of [0, yMax / 2, yMax]) {
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(v)}" y2="${y(v)}"/>`);
    parts.push(`<text class="axis" x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${perSecond(v)}</text>`);
  }
  parts.push(`<text class="axis" x="${PAD.left - 6}" y="${PAD.top - 12}" text-anchor="end">req/s</text>`);
  const step = tickStep(span, plotW);
  for (let back = 0; back <= span; back += step) {
    const tx = x(to - back);
    parts.push(`<line class="tick" x1="${tx}" x2="${tx}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH + 4}"/>`);
    parts.push(`<text class="axis" x="${tx}" y="${HEIGHT - 6}" text-anchor="middle">${ago(back)}</text>`);
  }

  const endLabels = [];
  for (const c of colors) {
    const pts = series[c] ?? [];
    const line = pts.map((p) => `${x(p.t).toFixed(1)},${y(p.rps).toFixed(1)}`).join(" ");
    const base = y(0).toFixed(1);
    parts.push(
      `<polygon class="area-${c}" points="${x(from).toFixed(1)},${base} ${line} ${x(to).toFixed(1)},${base}"/>`,
    );
    const { stroke, dash } = STYLE[c];
    parts.push(
      `<polyline fill="none" stroke="${stroke}" stroke-width="2.25" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ""} points="${line}"/>`,
    );
    for (const p of pts) {
      if (p.errors === 0) continue;
      const h = Math.max(3, (p.errors / yMax) * plotH);
      parts.push(
        `<rect class="err" x="${(x(p.t) - 1.5).toFixed(1)}" y="${(y(0) - h).toFixed(1)}" width="3" height="${h.toFixed(1)}"><title>${p.errors} × 5xx on ${c} at ${new Date(p.t).toLocaleTimeString()}</title></rect>`,
      );
    }
    const last = pts.at(-1)?.rps ?? 0;
    endLabels.push({ c, y: y(last), text: `${colorName(c)} ${perSecond(last)}/s` });
  }
  // Keep the two end labels apart when the lines end close together.
  endLabels.sort((a, b) => a.y - b.y);
  const [upper, lower] = endLabels;
  if (upper && lower && lower.y - upper.y < 15) {
    const mid = (upper.y + lower.y) / 2;
    upper.y = mid - 7.5;
    lower.y = mid + 7.5;
  }
  for (const l of endLabels) {
    parts.push(
      `<text class="end end-${l.c}" x="${PAD.left + plotW + 6}" y="${(l.y + 4).toFixed(1)}">${esc(l.text)}</text>`,
    );
  }

  parts.push(
    ...markerParts(markers, { from, now, x, right: PAD.left + plotW, bottom: PAD.top + plotH, narrow: w < 600 }),
  );

  const summary = colors.map((c) => `${c} ${perSecond(series[c]?.at(-1)?.rps ?? 0)} requests per second`).join(", ");
  return `<svg viewBox="0 0 ${w} ${HEIGHT}" width="${w}" height="${HEIGHT}" role="img" aria-label="Traffic over the last ${esc(ago(span).slice(1))}: ${summary}">${parts.join("")}</svg>`;
}
