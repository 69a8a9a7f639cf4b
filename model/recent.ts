// A cache of what was last computed from a few objects, by identity. While a case is run and
// judged its objects (its layout, each view's, its outcome) are asked for the same things again
// and again, and afterwards never: a WeakMap entry per object cost the collector more than the
// computation, and a single entry thrashes between a case's views.

/** `f`, remembering its results for the last `size` arguments. */
export function recent<K extends object, V>(size: number, f: (k: K) => V): (k: K) => V {
  const keys: Array<K | undefined> = new Array(size).fill(undefined);
  const values: V[] = new Array(size);
  let next = 0;
  return (k) => {
    // newest first: what a case asks for again is most often what it asked for last (the keys are
    // distinct, as a key is stored only when it is not found, so the order finds the same entry)
    for (let n = 1; n <= size; n++) {
      const i = (next - n + size) % size;
      if (keys[i] === k) return values[i];
    }
    const v = f(k);
    keys[next] = k;
    values[next] = v;
    next = (next + 1) % size;
    return v;
  };
}
