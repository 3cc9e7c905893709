/**
 * The fair order in which one liquidation pass handles its distressed
 * accounts: lowest equity / maintenance first, ties by account id (documented
 * in docs/RISK.md), never the order of a hash map. The tick fills
 * `order.accounts` / `order.ratios` and calls sortDistressed; the buffers are
 * scratch, not state.
 */

/** Distressed accounts of one pass (scratch, not state) and the radix sort's buffers. */
export const order = {
  accounts: new Int32Array(1024),
  ratios: new Float64Array(1024),
  hi: new Uint32Array(1024),
  lo: new Uint32Array(1024),
  a: new Int32Array(1024),
  b: new Int32Array(1024),
  counts: new Int32Array(1 << 16),
  bits: new Float64Array(1),
};

/** Which 32-bit half of a float64 holds the sign and exponent on this platform. */
const HIGH_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;

/** The fair order of `accounts` with these `ratios` (for tests): indices, most distressed first. */
export function fairOrder(accounts: readonly number[], ratios: readonly number[]): number[] {
  if (accounts.length > order.accounts.length) growOrder(accounts.length);
  for (let i = 0; i < accounts.length; i++) {
    order.accounts[i] = accounts[i];
    order.ratios[i] = ratios[i];
  }
  return Array.from(sortDistressed(accounts.length).subarray(0, accounts.length));
}

export function growOrder(n: number): void {
  const accounts = new Int32Array(n);
  accounts.set(order.accounts);
  const ratios = new Float64Array(n);
  ratios.set(order.ratios);
  order.accounts = accounts;
  order.ratios = ratios;
  order.hi = new Uint32Array(n);
  order.lo = new Uint32Array(n);
  order.a = new Int32Array(n);
  order.b = new Int32Array(n);
}

/**
 * The fair order: lowest equity / maintenance first, ties by account id.
 * A stable LSD radix sort (16-bit digits) over the account id, then the
 * ratio's IEEE bits mapped to an unsigned order (negative numbers flipped):
 * exact, and ~10× cheaper than a comparator sort over 100,000 objects.
 * Returns indices into order.accounts, in liquidation order.
 */
export function sortDistressed(n: number): Int32Array {
  if (n <= SMALL_SORT) return insertionSort(n);
  const { accounts, ratios, hi, lo } = order;
  const bits = order.bits;
  const words = new Uint32Array(bits.buffer);
  let src: Int32Array = order.a;
  let dst: Int32Array = order.b;
  let ascending = true;
  for (let i = 0; i < n; i++) {
    src[i] = i;
    if (i > 0 && accounts[i] < accounts[i - 1]) ascending = false;
    bits[0] = ratios[i] + 0; // −0 sorts with +0
    let h = words[HIGH_WORD];
    let l = words[1 - HIGH_WORD];
    if (h >>> 31 === 1) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    hi[i] = h;
    lo[i] = l;
  }
  // Least significant key first: the account id (skipped when already ascending), then the ratio.
  for (let pass = ascending ? 2 : 0; pass < 6; pass++) {
    const key = pass < 2 ? accounts : pass < 4 ? lo : hi;
    if (radixPass(n, src, dst, key, (pass & 1) * 16)) {
      const t = src;
      src = dst;
      dst = t;
    }
  }
  return src;
}

/**
 * Below this many accounts an insertion sort is cheaper than the radix
 * sort's 65,536-counter passes (a tick with a handful of distressed accounts
 * is the common case). Same order: numeric comparison treats −0 as +0.
 */
const SMALL_SORT = 64;

function insertionSort(n: number): Int32Array {
  const { accounts, ratios } = order;
  const idx = order.a;
  for (let i = 0; i < n; i++) {
    const r = ratios[i];
    const id = accounts[i];
    let j = i - 1;
    while (j >= 0) {
      const y = idx[j];
      const ry = ratios[y];
      if (ry < r || (ry === r && accounts[y] < id)) break;
      idx[j + 1] = y;
      j--;
    }
    idx[j + 1] = i;
  }
  return idx;
}

/**
 * One stable counting pass over a 16-bit digit of `key`, from `src` into
 * `dst`. Returns false (and moves nothing) when every key has the same
 * digit: the order is already right.
 */
function radixPass(n: number, src: Int32Array, dst: Int32Array, key: Int32Array | Uint32Array, shift: number): boolean {
  const counts = order.counts;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(key[src[i]] >>> shift) & 0xffff]++;
  if (counts[(key[src[0]] >>> shift) & 0xffff] === n) return false;
  let sum = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    counts[k] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const x = src[i];
    dst[counts[(key[x] >>> shift) & 0xffff]++] = x;
  }
  return true;
}
