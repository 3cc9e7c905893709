/**
 * MessagePack has one integer zero, so msgpackr writes −0 as 0. The engine
 * would see the difference (a −0 stored in state hashes differently from 0),
 * so a value that holds −0 anywhere carries the paths of its −0s beside it,
 * and decoding puts them back. Commands from the gateway are JSON or
 * MessagePack data, so −0 is rare; the check is a cheap walk.
 */
export type ValuePath = (string | number)[];

/** True when `value` (plain data: objects, arrays, numbers…) holds a −0 anywhere. */
export function hasNegativeZero(value: unknown): boolean {
  if (typeof value === 'number') return value === 0 && 1 / value < 0;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNegativeZero(value[i])) return true;
    return false;
  }
  const o = value as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (typeof v === 'number') {
      if (v === 0 && 1 / v < 0) return true;
    } else if (typeof v === 'object' && v !== null && hasNegativeZero(v)) return true;
  }
  return false;
}

/** Every path at which `value` holds −0. */
export function negativeZeroPaths(value: unknown, prefix: ValuePath = [], out: ValuePath[] = []): ValuePath[] {
  if (typeof value === 'number') {
    if (value === 0 && 1 / value < 0) out.push(prefix);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) negativeZeroPaths(value[i], [...prefix, i], out);
  } else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    for (const k in o) negativeZeroPaths(o[k], [...prefix, k], out);
  }
  return out;
}

/** Put −0 back at each path (the inverse of encoding with negativeZeroPaths). */
export function restoreNegativeZeros(value: unknown, paths: readonly ValuePath[]): void {
  for (const path of paths) {
    if (path.length === 0) throw new Error('a −0 path cannot be empty');
    let o = value as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) o = o[path[i]] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (o[last] !== 0) throw new Error(`−0 path ${path.join('.')} does not hold a zero`);
    o[last] = -0;
  }
}
