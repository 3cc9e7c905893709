/**
 * The portfolio-margin inner loop (pure). For one account, or two at once,
 * it accumulates P&L per scenario, pnl[s] = Σ_j e_j · r[m_j, s], over the
 * market-major return matrix (r[m × count + s]), four markets per pass; the
 * last pass also charges as it goes: the worst weighted grid loss, and the k
 * worst historical losses kept sorted (inserts are rare once the tail fills).
 *
 * Why blocking never changes the bits. JS adds left to right, so
 * `p + t0 + t1 + t2 + t3` adds the terms in market order, exactly as a plain
 * loop `p += e_j · r[m_j, s]` would. A zero exposure adds ±0, which leaves
 * every sum unchanged (a sum that starts at +0 is never −0 under
 * round-to-nearest), so padding a pass with zero exposures, skipping empty
 * markets, or carrying the other account's markets when two accounts share a
 * pass all give the same bits. That is what lets the hot loop charge one
 * account alone and the workers charge pairs, bit for bit alike. Returns must
 * be finite (scenarios.ts checks).
 */

/** The running charge of one account: worst weighted grid loss, and the k worst historical losses. */
export class Tail {
  grid = 0;
  /** The k-th worst loss so far (+∞ when k = 0: nothing is ever kept). */
  kth = Number.NEGATIVE_INFINITY;
  readonly losses: Float64Array;

  constructor(capacity: number) {
    this.losses = new Float64Array(Math.max(1, capacity));
  }

  reset(k: number): void {
    this.grid = 0;
    this.losses.fill(Number.NEGATIVE_INFINITY, 0, Math.max(1, k));
    this.kth = k === 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Keep `loss` among the k worst (worst first); returns the new k-th worst. */
  insert(loss: number, k: number): number {
    const t = this.losses;
    let i = k - 1;
    while (i > 0 && t[i - 1] < loss) {
      t[i] = t[i - 1];
      i--;
    }
    t[i] = loss;
    return t[k - 1];
  }

  /** max(grid, historical, 0): historical is the k-th worst ('var') or the mean of the k worst ('es'). */
  charge(k: number, measure: 'es' | 'var'): number {
    let historical = 0;
    if (k > 0) {
      if (measure === 'var') historical = this.losses[k - 1];
      else {
        let sum = 0;
        for (let i = 0; i < k; i++) sum += this.losses[i];
        historical = sum / k;
      }
    }
    return Math.max(this.grid, historical, 0);
  }
}

/** What a pass needs to know of the scenario set. */
export interface Matrix {
  /** Market-major returns. */
  readonly r: Float64Array;
  readonly count: number;
  readonly gridCount: number;
  readonly weights: Float64Array;
  readonly k: number;
}

/**
 * One account: `n` exposures `e` (n a multiple of 4, zero-padded) on market
 * rows `at` (offsets into r). Leaves the charge in `tail`.
 */
export function chargeOne(x: Matrix, e: Float64Array, at: Int32Array, n: number, pnl: Float64Array, tail: Tail): void {
  tail.reset(x.k);
  if (n === 4) {
    // One pass: nothing to accumulate, so no P&L array to fill and stream (the hot loop's usual case).
    lastPassFresh(x, tail, e[0], e[1], e[2], e[3], at[0], at[1], at[2], at[3]);
    return;
  }
  const count = x.count;
  pnl.fill(0, 0, count);
  const last = n - 4;
  for (let j = 0; j < last; j += 4) {
    add4(pnl, x.r, count, e[j], e[j + 1], e[j + 2], e[j + 3], at[j], at[j + 1], at[j + 2], at[j + 3]);
  }
  lastPass(
    x,
    pnl,
    tail,
    e[last],
    e[last + 1],
    e[last + 2],
    e[last + 3],
    at[last],
    at[last + 1],
    at[last + 2],
    at[last + 3],
  );
}

/**
 * Two accounts in one pass each (a return is loaded once for both): `ea`,
 * `eb` are their exposures on the union of their markets `at` (0 where one
 * holds nothing; n a multiple of 4). Each tail gets what chargeOne gives alone.
 */
export function chargePair(
  x: Matrix,
  ea: Float64Array,
  eb: Float64Array,
  at: Int32Array,
  n: number,
  pa: Float64Array,
  pb: Float64Array,
  ta: Tail,
  tb: Tail,
): void {
  const count = x.count;
  pa.fill(0, 0, count);
  pb.fill(0, 0, count);
  ta.reset(x.k);
  tb.reset(x.k);
  const last = n - 4;
  for (let j = 0; j < last; j += 4) {
    // biome-ignore format: the eight exposures and four rows of one pass
    add4x2(pa, pb, x.r, count, ea[j], ea[j + 1], ea[j + 2], ea[j + 3], eb[j], eb[j + 1], eb[j + 2], eb[j + 3], at[j], at[j + 1], at[j + 2], at[j + 3]);
  }
  // biome-ignore format: the eight exposures and four rows of one pass
  lastPassPair(x, pa, pb, ta, tb, ea[last], ea[last + 1], ea[last + 2], ea[last + 3], eb[last], eb[last + 1], eb[last + 2], eb[last + 3], at[last], at[last + 1], at[last + 2], at[last + 3]);
}

// biome-ignore format: one pass, kept on one line
function add4(p: Float64Array, r: Float64Array, count: number, e0: number, e1: number, e2: number, e3: number, o0: number, o1: number, o2: number, o3: number): void {
  for (let s = 0; s < count; s++) p[s] = p[s] + e0 * r[o0 + s] + e1 * r[o1 + s] + e2 * r[o2 + s] + e3 * r[o3 + s];
}

// biome-ignore format: one pass, kept on one line
function lastPass(x: Matrix, p: Float64Array, t: Tail, e0: number, e1: number, e2: number, e3: number, o0: number, o1: number, o2: number, o3: number): void {
  const r = x.r;
  const w = x.weights;
  let grid = 0;
  for (let s = 0; s < x.gridCount; s++) {
    const loss = -(p[s] + e0 * r[o0 + s] + e1 * r[o1 + s] + e2 * r[o2 + s] + e3 * r[o3 + s]) * w[s];
    if (loss > grid) grid = loss;
  }
  t.grid = grid;
  const k = x.k;
  let kth = t.kth;
  for (let s = x.gridCount; s < x.count; s++) {
    const loss = -(p[s] + e0 * r[o0 + s] + e1 * r[o1 + s] + e2 * r[o2 + s] + e3 * r[o3 + s]);
    if (loss > kth) kth = t.insert(loss, k);
  }
  t.kth = kth;
}

/** lastPass over a P&L that is still all +0: `0 + t0 + …` is what `p[s] + t0 + …` computes then, bit for bit. */
// biome-ignore format: one pass, kept on one line
function lastPassFresh(x: Matrix, t: Tail, e0: number, e1: number, e2: number, e3: number, o0: number, o1: number, o2: number, o3: number): void {
  const r = x.r;
  const w = x.weights;
  let grid = 0;
  for (let s = 0; s < x.gridCount; s++) {
    const loss = -(0 + e0 * r[o0 + s] + e1 * r[o1 + s] + e2 * r[o2 + s] + e3 * r[o3 + s]) * w[s];
    if (loss > grid) grid = loss;
  }
  t.grid = grid;
  const k = x.k;
  let kth = t.kth;
  for (let s = x.gridCount; s < x.count; s++) {
    const loss = -(0 + e0 * r[o0 + s] + e1 * r[o1 + s] + e2 * r[o2 + s] + e3 * r[o3 + s]);
    if (loss > kth) kth = t.insert(loss, k);
  }
  t.kth = kth;
}

// biome-ignore format: one pass, kept on one line
function add4x2(pa: Float64Array, pb: Float64Array, r: Float64Array, count: number, a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number, o0: number, o1: number, o2: number, o3: number): void {
  for (let s = 0; s < count; s++) {
    const r0 = r[o0 + s];
    const r1 = r[o1 + s];
    const r2 = r[o2 + s];
    const r3 = r[o3 + s];
    pa[s] = pa[s] + a0 * r0 + a1 * r1 + a2 * r2 + a3 * r3;
    pb[s] = pb[s] + b0 * r0 + b1 * r1 + b2 * r2 + b3 * r3;
  }
}

// biome-ignore format: one pass, kept on one line
function lastPassPair(x: Matrix, pa: Float64Array, pb: Float64Array, ta: Tail, tb: Tail, a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number, o0: number, o1: number, o2: number, o3: number): void {
  const r = x.r;
  const w = x.weights;
  let ga = 0;
  let gb = 0;
  for (let s = 0; s < x.gridCount; s++) {
    const r0 = r[o0 + s];
    const r1 = r[o1 + s];
    const r2 = r[o2 + s];
    const r3 = r[o3 + s];
    const la = -(pa[s] + a0 * r0 + a1 * r1 + a2 * r2 + a3 * r3) * w[s];
    const lb = -(pb[s] + b0 * r0 + b1 * r1 + b2 * r2 + b3 * r3) * w[s];
    if (la > ga) ga = la;
    if (lb > gb) gb = lb;
  }
  ta.grid = ga;
  tb.grid = gb;
  const k = x.k;
  let ka = ta.kth;
  let kb = tb.kth;
  for (let s = x.gridCount; s < x.count; s++) {
    const r0 = r[o0 + s];
    const r1 = r[o1 + s];
    const r2 = r[o2 + s];
    const r3 = r[o3 + s];
    const la = -(pa[s] + a0 * r0 + a1 * r1 + a2 * r2 + a3 * r3);
    const lb = -(pb[s] + b0 * r0 + b1 * r1 + b2 * r2 + b3 * r3);
    if (la > ka) ka = ta.insert(la, k);
    if (lb > kb) kb = tb.insert(lb, k);
  }
  ta.kth = ka;
  tb.kth = kb;
}
