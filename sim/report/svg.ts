/**
 * Inline SVG charts, drawn as strings: no script, no network, nothing to
 * load. Long series are reduced to the min and max of each pixel column, so
 * a one-minute wick survives on a chart a few hundred pixels wide.
 */

export interface Line {
  name: string;
  color: string;
  values: ArrayLike<number>;
}

export interface Bars {
  name: string;
  color: string;
  values: readonly number[];
}

const WIDTH = 880;
const HEIGHT = 260;
const PAD = { left: 78, right: 16, top: 28, bottom: 34 };
/** At most this many points per line (two per pixel column). */
const MAX_POINTS = 2 * (WIDTH - PAD.left - PAD.right);

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function shortNumber(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${+(x / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${+(x / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(x / 1e3).toFixed(2)}k`;
  return `${+x.toFixed(2)}`;
}

function timeLabel(ts: number): string {
  const iso = new Date(ts).toISOString();
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** Indices to draw: every point, or the min and max of each column. */
function reduce(values: ArrayLike<number>, n: number): number[] {
  if (n <= MAX_POINTS) return Array.from({ length: n }, (_, i) => i);
  const cols = MAX_POINTS / 2;
  const out: number[] = [];
  for (let c = 0; c < cols; c++) {
    const from = Math.floor((c * n) / cols);
    const to = Math.max(from + 1, Math.floor(((c + 1) * n) / cols));
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    out.push(Math.min(lo, hi));
    if (hi !== lo) out.push(Math.max(lo, hi));
  }
  return out;
}

function frame(id: string, title: string, body: string, legend: readonly { name: string; color: string }[]): string {
  let at = PAD.left + 8;
  const keys = legend
    .map((l) => {
      const g =
        `<g transform="translate(${at},${PAD.top - 12})"><rect width="10" height="10" fill="${l.color}"/>` +
        `<text x="14" y="9">${escapeHtml(l.name)}</text></g>`;
      at += 30 + l.name.length * 6.5;
      return g;
    })
    .join('');
  return (
    `<figure><figcaption>${escapeHtml(title)}</figcaption>` +
    `<svg data-chart="${escapeHtml(id)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">` +
    `${body}${keys}</svg></figure>`
  );
}

function yAxis(lo: number, hi: number, y: (v: number) => number, format: (v: number) => string): string {
  return niceTicks(lo, hi)
    .map((v) => {
      const yy = fmt(y(v));
      return (
        `<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${yy}" y2="${yy}"/>` +
        `<text class="tick" x="${PAD.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeHtml(format(v))}</text>`
      );
    })
    .join('');
}

/** A line chart over time (`ts` in ms). */
export function lineChart(
  id: string,
  title: string,
  ts: ArrayLike<number>,
  n: number,
  lines: readonly Line[],
  format: (v: number) => string = shortNumber,
): string {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const l of lines) {
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, l.values[i]);
      hi = Math.max(hi, l.values[i]);
    }
  }
  if (!Number.isFinite(lo)) return frame(id, title, '', lines);
  if (hi === lo) {
    hi += Math.abs(hi) * 0.01 + 1;
    lo -= Math.abs(lo) * 0.01 + 1;
  }
  const t0 = ts[0];
  const t1 = n > 1 ? ts[n - 1] : t0 + 1;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - lo) / (hi - lo)) * (HEIGHT - PAD.top - PAD.bottom);
  const xTicks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const t = t0 + f * (t1 - t0);
      return `<text class="tick" x="${fmt(x(t))}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${timeLabel(t)}</text>`;
    })
    .join('');
  const paths = lines
    .map((l) => {
      const idx = reduce(l.values, n);
      const d = idx.map((i, k) => `${k === 0 ? 'M' : 'L'}${fmt(x(ts[i]))},${fmt(y(l.values[i]))}`).join('');
      return `<path class="series" data-series="${escapeHtml(l.name)}" data-points="${idx.length}" fill="none" stroke="${l.color}" stroke-width="1.4" d="${d}"/>`;
    })
    .join('');
  return frame(id, title, yAxis(lo, hi, y, format) + xTicks + paths, lines);
}

/** Grouped bars: one group per label, one bar per series. */
export function barChart(
  id: string,
  title: string,
  labels: readonly string[],
  series: readonly Bars[],
  format: (v: number) => string = shortNumber,
): string {
  let hi = 0;
  for (const s of series) for (const v of s.values) hi = Math.max(hi, v);
  if (hi === 0) hi = 1;
  const plotW = WIDTH - PAD.left - PAD.right;
  const groupW = plotW / Math.max(1, labels.length);
  const barW = Math.max(1, (groupW * 0.8) / Math.max(1, series.length));
  const y = (v: number) => HEIGHT - PAD.bottom - (v / hi) * (HEIGHT - PAD.top - PAD.bottom);
  const every = Math.max(1, Math.ceil(labels.length / 12));
  let body = yAxis(0, hi, y, format);
  labels.forEach((label, g) => {
    const gx = PAD.left + g * groupW + groupW * 0.1;
    series.forEach((s, k) => {
      const v = s.values[g] ?? 0;
      if (v <= 0) return;
      body += `<rect class="bar" data-series="${escapeHtml(s.name)}" x="${fmt(gx + k * barW)}" y="${fmt(y(v))}" width="${fmt(barW)}" height="${fmt(y(0) - y(v))}" fill="${s.color}"><title>${escapeHtml(`${label}: ${format(v)}`)}</title></rect>`;
    });
    if (g % every === 0) {
      body += `<text class="tick" x="${fmt(gx + (groupW * 0.8) / 2)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${escapeHtml(label)}</text>`;
    }
  });
  return frame(id, title, body, series);
}
