/**
 * The simulator's own seeded PRNG (xoshiro128**, seeded through splitmix32).
 * Never Math.random: the same seed must give the same run, to the byte.
 * Only integer ops and exactly rounded float ops are used, so every platform
 * draws the same numbers. Each agent forks its own stream by label, so adding
 * an agent does not shift the draws of the others.
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over a string: turns a label into 32 bits of seed. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Rng {
  /**
   * xoshiro128** state a, b, c, d. A Uint32Array rather than four number
   * fields: most states are above 2^31 (no small integer), so a field
   * would box a fresh heap number on every draw.
   */
  private readonly s = new Uint32Array(4);

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const mix = splitmix32((seed ^ Math.floor(seed / 2 ** 32)) >>> 0);
    const s = this.s;
    s[0] = mix();
    s[1] = mix();
    s[2] = mix();
    s[3] = mix();
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  }

  /** A child stream named `label`: independent of how many draws this stream has made. */
  fork(label: string): Rng {
    return new Rng(((this.seed >>> 0) ^ hashLabel(label)) * 2 ** 21 + (hashLabel(`${label}#${this.seed}`) & 0x1fffff));
  }

  /** 32 random bits. */
  u32(): number {
    const s = this.s;
    const b = s[1];
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    // The array keeps the low 32 bits of each store: what `>>> 0` after each line would keep.
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** Approximately standard normal (Irwin–Hall, 12 uniforms): no transcendental functions. */
  normal(): number {
    let s = 0;
    for (let i = 0; i < 12; i++) s += this.next();
    return s - 6;
  }

  /** Deterministic in-place Fisher–Yates shuffle. */
  shuffle<T>(xs: T[]): T[] {
    return this.shuffleFirst(xs, xs.length);
  }

  /** shuffle() of the first `n` elements only (the rest stay put): the same draws as shuffling a list of n. */
  shuffleFirst<T>(xs: T[], n: number): T[] {
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
