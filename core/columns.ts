/**
 * Growable typed columns. Per-account data that is scanned every tick lives
 * in struct-of-arrays columns (DESIGN.md, Numbers). Growth doubles capacity
 * and copies; indices stay stable.
 */
export function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, capacity: number): T {
  if (a.length >= capacity) return a;
  let n = Math.max(16, a.length);
  while (n < capacity) n *= 2;
  const b = new (a.constructor as { new (n: number): T })(n);
  b.set(a);
  return b;
}
