/**
 * The undo log. Every write an apply() makes to engine state goes through
 * `set`, which remembers the old value; a rejection (or a bug that throws)
 * rolls the writes back in reverse order, so a rejected command leaves the
 * state exactly as it found it. Works for object fields and typed-array
 * slots alike (both are `target[key]`).
 */
// biome-ignore lint/suspicious/noExplicitAny: the log stores heterogeneous targets.
type Target = any;

export class UndoLog {
  private targets: Target[] = [];
  private keys: (string | number)[] = [];
  private olds: unknown[] = [];
  private length = 0;

  set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
    const n = this.length++;
    this.targets[n] = target;
    this.keys[n] = key as string | number;
    this.olds[n] = target[key];
    target[key] = value;
  }

  /** Typed-array slot write. */
  at(array: Float64Array | Int32Array | Uint8Array, index: number, value: number): void {
    const n = this.length++;
    this.targets[n] = array;
    this.keys[n] = index;
    this.olds[n] = array[index];
    array[index] = value;
  }

  /** Add `delta` to a typed-array slot. */
  add(array: Float64Array, index: number, delta: number): void {
    this.at(array, index, array[index] + delta);
  }

  /** Record an arbitrary restore action (for structural changes such as array pushes). */
  onRollback(restore: () => void): void {
    const n = this.length++;
    this.targets[n] = restore;
    this.keys[n] = -1;
    this.olds[n] = undefined;
  }

  mark(): number {
    return this.length;
  }

  rollback(to = 0): void {
    for (let n = this.length - 1; n >= to; n--) {
      const t = this.targets[n];
      if (this.keys[n] === -1 && typeof t === 'function') t();
      else t[this.keys[n]] = this.olds[n];
      this.targets[n] = undefined;
    }
    this.length = to;
  }

  /** Forget the log (the command committed). Keeps the arrays for reuse. */
  commit(): void {
    // Targets are long-lived engine state; leaving them in the slots costs nothing.
    this.length = 0;
  }
}
