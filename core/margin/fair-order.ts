/**
 * The fair order in which one liquidation pass handles its distressed
 * accounts: lowest equity / maintenance first, ties by account id (documented
 * in docs/RISK.md), never the order of a hash map. The tick adds each
 * distressed account with addDistressed and calls sortDistressed; the
 * buffers are scratch, not state.
 */

/**
 * Distressed accounts of one pass (scratch, not state) and the radix sort's
 * buffers. Each ratio is kept as its sort key: its IEEE bits mapped to an
 * unsigned order (negative numbers flipped), two 32-bit words per account
 * in `keys` — turned into a key as it is added, in the tick's own loop, so
 * the sort reads keys and allocates no key arrays of its own (a crash sorts
 * 100,000 accounts once, on fresh memory and on code not yet optimised).
 */
export const order = {
  accounts: new Int32Array(1024),
  keys: new Uint32Array(2048),
  a: new Int32Array(1024),
  b: new Int32Array(1024),
  counts: new Int32Array(1 << 16),
};

/** Scratch for a ratio's bits. */
const ratioBits = new Float64Array(1);
const ratioWords = new Uint32Array(ratioBits.buffer);
/** Which 32-bit word of a float64 holds the sign and exponent on this platform (0 or 1). */
const HIGH_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;

/** Entry `i` of the pass: `account` with equity / maintenance `ratio` (the buffers must hold i + 1). */
export function addDistressed(i: number, account: number, ratio: number): void {
  order.accounts[i] = account;
  ratioBits[0] = ratio + 0; // −0 sorts with +0
  let hi = ratioWords[HIGH_WORD];
  let lo = ratioWords[1 - HIGH_WORD];
  if (hi >>> 31 === 1) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  order.keys[2 * i] = lo;
  order.keys[2 * i + 1] = hi;
}

/** The fair order of `accounts` with these `ratios` (for tests): indices, most distressed first. */
export function fairOrder(accounts: readonly number[], ratios: readonly number[]): number[] {
  if (accounts.length > order.accounts.length) growOrder(accounts.length);
  for (let i = 0; i < accounts.length; i++) addDistressed(i, accounts[i], ratios[i]);
  return Array.from(sortDistressed(accounts.length).subarray(0, accounts.length));
}

/**
 * Room for `n` distressed accounts, written through once, so a crash's pass
 * neither grows these buffers nor touches fresh pages (Engine's
 * reserveCrashBuffers calls it; liquidation-rows.ts says why).
 */
export function reserveOrder(n: number): void {
  const held = order.accounts.length;
  if (held >= n) return;
  growOrder(n);
  order.accounts.fill(0, held);
  order.keys.fill(0, 2 * held);
  order.a.fill(0);
  order.b.fill(0);
}

/** Room for `n` distressed accounts (what is held is kept). */
export function growOrder(n: number): void {
  const accounts = new Int32Array(n);
  accounts.set(order.accounts);
  const keys = new Uint32Array(2 * n);
  keys.set(order.keys);
  order.accounts = accounts;
  order.keys = keys;
  order.a = new Int32Array(n);
  order.b = new Int32Array(n);
}

/**
 * The fair order: lowest equity / maintenance first, ties by account id.
 * A stable LSD radix sort (16-bit digits) over the account id, then the
 * ratio's key (low word, then high word): exact, and ~10× cheaper than a
 * comparator sort over 100,000 objects. Returns indices into
 * order.accounts, in liquidation order.
 */
export function sortDistressed(n: number): Int32Array {
  if (n <= SMALL_SORT) return insertionSort(n);
  const { accounts, keys } = order;
  let src: Int32Array = order.a;
  let dst: Int32Array = order.b;
  const ascending = identityAscending(n, src, accounts);
  // Least significant key first: the account id (skipped when already ascending), then the ratio.
  for (let pass = ascending ? 2 : 0; pass < 6; pass++) {
    const moved =
      pass < 2
        ? radixPass(n, src, dst, accounts, 1, 0, (pass & 1) * 16)
        : radixPass(n, src, dst, keys, 2, pass < 4 ? 0 : 1, (pass & 1) * 16);
    if (moved) {
      const t = src;
      src = dst;
      dst = t;
    }
  }
  return src;
}

/** Fill `src` with 0 … n−1; true when the accounts are in ascending id order already. */
function identityAscending(n: number, src: Int32Array, accounts: Int32Array): boolean {
  let ascending = true;
  for (let i = 0; i < n; i++) {
    src[i] = i;
    if (i > 0 && accounts[i] < accounts[i - 1]) ascending = false;
  }
  return ascending;
}

/**
 * Below this many accounts an insertion sort is cheaper than the radix
 * sort's 65,536-counter passes (a tick with a handful of distressed accounts
 * is the common case). Same order: keys compared high word, then low word,
 * then the account id.
 */
const SMALL_SORT = 64;

function insertionSort(n: number): Int32Array {
  const { accounts, keys } = order;
  const idx = order.a;
  for (let i = 0; i < n; i++) {
    const hi = keys[2 * i + 1];
    const lo = keys[2 * i];
    const id = accounts[i];
    let j = i - 1;
    while (j >= 0) {
      const y = idx[j];
      const hy = keys[2 * y + 1];
      const ly = keys[2 * y];
      if (hy < hi || (hy === hi && (ly < lo || (ly === lo && accounts[y] < id)))) break;
      idx[j + 1] = y;
      j--;
    }
    idx[j + 1] = i;
  }
  return idx;
}

/**
 * One stable counting pass over a 16-bit digit of the keys, from `src` into
 * `dst`; the key of entry x is key[x × stride + offset]. Returns false (and
 * moves nothing) when every key has the same digit: the order is already
 * right. Each loop is a function of its own: a crash runs the sort once, on
 * code not yet optimised, and a loop optimised on the stack inside a
 * function with loops not yet run is deoptimised at each of them (ten
 * deoptimisations per sort, in a trace of the crash benchmark).
 */
function radixPass(
  n: number,
  src: Int32Array,
  dst: Int32Array,
  key: Int32Array | Uint32Array,
  stride: number,
  offset: number,
  shift: number,
): boolean {
  const counts = order.counts;
  counts.fill(0);
  countDigits(n, src, key, stride, offset, shift, counts);
  if (counts[(key[src[0] * stride + offset] >>> shift) & 0xffff] === n) return false;
  digitStarts(counts);
  scatter(n, src, dst, key, stride, offset, shift, counts);
  return true;
}

function countDigits(
  n: number,
  src: Int32Array,
  key: Int32Array | Uint32Array,
  stride: number,
  offset: number,
  shift: number,
  counts: Int32Array,
): void {
  for (let i = 0; i < n; i++) counts[(key[src[i] * stride + offset] >>> shift) & 0xffff]++;
}

/** Counts per digit → where each digit's entries start (exclusive prefix sums). */
function digitStarts(counts: Int32Array): void {
  let sum = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    counts[k] = sum;
    sum += c;
  }
}

function scatter(
  n: number,
  src: Int32Array,
  dst: Int32Array,
  key: Int32Array | Uint32Array,
  stride: number,
  offset: number,
  shift: number,
  counts: Int32Array,
): void {
  for (let i = 0; i < n; i++) {
    const x = src[i];
    dst[counts[(key[x * stride + offset] >>> shift) & 0xffff]++] = x;
  }
}
