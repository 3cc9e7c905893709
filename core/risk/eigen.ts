/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations
 * (pure). Only + − × ÷ and Math.sqrt, a fixed sweep order and a fixed stop
 * rule, so the result is the same bits on every thread and platform — the
 * scenario grid is built from it and must replay exactly.
 */

export interface Eigen {
  /** Eigenvalues, descending (ties keep index order); tiny negatives from rounding are clamped to 0. */
  readonly values: Float64Array;
  /** n × n, row-major; column k is the unit eigenvector of values[k]. */
  readonly vectors: Float64Array;
}

const MAX_SWEEPS = 64;

export function symmetricEigen(matrix: Float64Array, n: number): Eigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const g = 100 * Math.abs(apq);
        const app = Math.abs(a[p * n + p]);
        const aqq = Math.abs(a[q * n + q]);
        if (sweep > 3 && app + g === app && aqq + g === aqq) {
          // Negligible against both diagonal entries (Numerical Recipes' rule): drop it.
          a[p * n + q] = 0;
          a[q * n + p] = 0;
          continue;
        }
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t =
          Math.abs(theta) > 1e150
            ? 1 / (2 * theta)
            : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        if (t === 0) {
          // The rotation is below rounding: the entry is negligible against the diagonal.
          a[p * n + q] = 0;
          a[q * n + p] = 0;
          continue;
        }
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(a, v, n, p, q, c, s, t);
      }
    }
  }
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(i);
  order.sort((x, y) => a[y * n + y] - a[x * n + x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const src = order[k];
    values[k] = Math.max(0, a[src * n + src]);
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + src];
  }
  return { values, vectors };
}

/** One Jacobi rotation zeroing a[p][q] (Numerical Recipes' form), applied to `a` and accumulated into `v`. */
function rotate(a: Float64Array, v: Float64Array, n: number, p: number, q: number, c: number, s: number, t: number) {
  const apq = a[p * n + q];
  const tau = s / (1 + c);
  a[p * n + p] -= t * apq;
  a[q * n + q] += t * apq;
  a[p * n + q] = 0;
  a[q * n + p] = 0;
  for (let r = 0; r < n; r++) {
    if (r === p || r === q) continue;
    const arp = a[r * n + p];
    const arq = a[r * n + q];
    const np = arp - s * (arq + tau * arp);
    const nq = arq + s * (arp - tau * arq);
    a[r * n + p] = np;
    a[p * n + r] = np;
    a[r * n + q] = nq;
    a[q * n + r] = nq;
  }
  for (let r = 0; r < n; r++) {
    const vrp = v[r * n + p];
    const vrq = v[r * n + q];
    v[r * n + p] = vrp - s * (vrq + tau * vrp);
    v[r * n + q] = vrq + s * (vrp - tau * vrq);
  }
}
