// Inside a TypeScript variant's process: JavaScript's built-ins as that process found them. What
// the harness's own code there needs is captured before the variant file loads, so a variant that
// replaces Array.prototype.push (or JSON.stringify, or Buffer.from) cannot silence its log; and a
// snapshot taken once the file has loaded tells, after each step of a case, which built-in the
// step replaced: it is put back, and the case fails saying so, instead of the process going
// quiet and passing for a hang. (What the file's top-level code changes is its own business:
// the snapshot is taken after it.)

import fs from 'fs';

const apply = Reflect.apply;
const getDescriptor = Reflect.getOwnPropertyDescriptor;
const defineProperty = Reflect.defineProperty;
const ownKeys = Reflect.ownKeys;
const bufferFrom = Buffer.from.bind(Buffer);
const writeSync = fs.writeSync;
const stringify = JSON.stringify;

/** Writes all of `text` to a descriptor with the functions captured at start. */
export function writeAll(fd: number, text: string): void {
  const buf = bufferFrom(text);
  for (let done = 0; done < buf.length;) done += writeSync(fd, buf, done);
}

/** JSON.stringify as it was at start. */
export const json = (x: unknown): string => stringify(x);

/** A call through the captured Reflect.apply: `f` as it was, whatever the variant did to Function.prototype.call. */
export const call = <T>(f: (...a: never[]) => T, self: unknown, args: readonly unknown[]): T => apply(f as (...a: unknown[]) => T, self, args as unknown[]);

/** The built-in objects whose own properties the harness's code relies on (Object.is is read through Object, and checked with it). */
const OWNERS: ReadonlyArray<readonly [string, object]> = [
  ['Object', Object], ['Object.prototype', Object.prototype], ['Function.prototype', Function.prototype],
  ['Array', Array], ['Array.prototype', Array.prototype], ['String', String], ['String.prototype', String.prototype],
  ['Number', Number], ['Number.prototype', Number.prototype], ['BigInt', BigInt], ['BigInt.prototype', BigInt.prototype],
  ['Boolean.prototype', Boolean.prototype], ['Symbol', Symbol], ['Map.prototype', Map.prototype], ['Set.prototype', Set.prototype],
  ['WeakMap.prototype', WeakMap.prototype], ['Promise', Promise], ['Promise.prototype', Promise.prototype], ['JSON', JSON],
  ['Math', Math], ['Reflect', Reflect], ['Error', Error], ['Error.prototype', Error.prototype], ['RegExp.prototype', RegExp.prototype],
  ['Buffer', Buffer],
];

/** The standard globals the harness's code names (Node's own lazy globals redefine themselves when first read, and are left out). */
const GLOBAL_NAMES = ['Object', 'Function', 'Array', 'String', 'Number', 'BigInt', 'Boolean', 'Symbol', 'Map', 'Set', 'WeakMap', 'Promise',
  'JSON', 'Math', 'Reflect', 'Error', 'TypeError', 'RangeError', 'RegExp', 'Buffer', 'Atomics', 'Int32Array', 'SharedArrayBuffer'];

interface Entry {
  readonly name: string;
  readonly owner: object;
  readonly key: PropertyKey;
  readonly descriptor: PropertyDescriptor;
}

export interface Snapshot {
  readonly entries: readonly Entry[];
  /**
   * True while every built-in function is the one the snapshot saw: straight-line code with one
   * property read per site (a few microseconds for all of them, so it can run after every step).
   */
  readonly intact: () => boolean;
}

/** The check `intact`, generated: `o[i][k[i]] === v[i]` for each function-valued data property. */
function intactCheck(entries: readonly Entry[]): () => boolean {
  const o: object[] = [], k: PropertyKey[] = [], v: unknown[] = [];
  for (let i = 0; i < entries.length; i++) {
    const d = entries[i].descriptor;
    if (!('value' in d) || (typeof d.value !== 'function' && (typeof d.value !== 'object' || d.value === null))) continue;
    o[o.length] = entries[i].owner;
    k[k.length] = entries[i].key;
    v[v.length] = d.value;
  }
  const terms: string[] = [];
  for (let i = 0; i < o.length; i++) terms[terms.length] = `o[${i}][k[${i}]] === v[${i}]`;
  // eslint-disable-next-line no-new-func
  const make = new Function('o', 'k', 'v', `return () => { try { return ${terms.join(' && ') || 'true'}; } catch { return false; } };`) as (o: object[], k: PropertyKey[], v: unknown[]) => () => boolean;
  return make(o, k, v);
}

/** Every own property of the built-ins (and the standard globals), as they are now. */
export function snapshotBuiltins(): Snapshot {
  const out: Entry[] = [];
  const add = (name: string, owner: object, key: PropertyKey) => {
    const descriptor = getDescriptor(owner, key);
    if (descriptor) out[out.length] = { name: `${name}.${String(key)}`, owner, key, descriptor };
  };
  for (let i = 0; i < OWNERS.length; i++) {
    const [name, owner] = OWNERS[i];
    const keys = ownKeys(owner);
    for (let k = 0; k < keys.length; k++) add(name, owner, keys[k]);
  }
  for (let k = 0; k < GLOBAL_NAMES.length; k++) add('globalThis', globalThis, GLOBAL_NAMES[k]);
  return { entries: out, intact: intactCheck(out) };
}

/** Whether a property is still as the snapshot saw it: its value, or its getter and setter. */
function same(e: Entry): boolean {
  const d = e.descriptor;
  if ('value' in d) {
    try {
      // a plain read: fast, and a data property that is still one runs nothing
      return Object.is((e.owner as Record<PropertyKey, unknown>)[e.key as string], d.value);
    } catch {
      return false;
    }
  }
  const now = getDescriptor(e.owner, e.key);
  return now !== undefined && now.get === d.get && now.set === d.set;
}

/**
 * The built-ins changed since the snapshot, by name, each put back as it was. `unrestored`: the
 * ones that could not be (made read-only and unconfigurable): the process cannot be trusted then.
 */
export function restoreBuiltins(snap: Snapshot): { changed: string[]; unrestored: string[] } {
  const changed: string[] = [], unrestored: string[] = [];
  if (snap.intact()) return { changed, unrestored };
  for (let i = 0; i < snap.entries.length; i++) {
    const e = snap.entries[i];
    if (same(e)) continue;
    changed[changed.length] = e.name;
    if (!defineProperty(e.owner, e.key, e.descriptor)) unrestored[unrestored.length] = e.name;
  }
  return { changed, unrestored };
}
