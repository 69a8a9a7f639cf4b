// --from-kernel: takes kvm_gmem_invalidate_begin()/_end() out of a tree's guest_memfd.c (or
// 2023's guest_mem.c) by brace matching, with its kvm_gmem_bind() when it has one, and the
// file's own functions and macros they use (a __kvm_gmem_invalidate_begin split,
// kvm_gmem_get_invalidate_filter, GMEM_I, kvm_gmem_supports_mmap, ...), tells the era from
// their signatures, and wraps them, unmodified, with the shim into a unit for gcc.

import fs from 'fs';
import path from 'path';
import { FunctionDef, MacroDef, identifiers, topLevel } from './cparse';
import { EraInfo, recogniseEra, glue } from './era';

export interface Extraction {
  readonly file: string;
  readonly era: EraInfo;
  /** What was taken from the file, in file order. */
  readonly taken: readonly string[];
  /** The translation unit: shim, the taken text under #line directives, glue. */
  readonly unit: string;
}

export class ExtractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractError';
  }
}

const CANDIDATES = ['virt/kvm/guest_memfd.c', 'virt/kvm/guest_mem.c'];

/** The guest_memfd source of a kernel tree, or the file itself. */
export function locateSource(treeOrFile: string): string {
  if (!fs.existsSync(treeOrFile)) throw new ExtractError(`--from-kernel: ${treeOrFile} does not exist`);
  if (!fs.statSync(treeOrFile).isDirectory()) return treeOrFile;
  for (const rel of CANDIDATES) {
    const f = path.join(treeOrFile, rel);
    if (fs.existsSync(f)) return f;
  }
  throw new ExtractError(`--from-kernel: ${treeOrFile} is a folder without ${CANDIDATES.join(' or ')}`);
}

export type Item = (FunctionDef & { kind: 'function' }) | (MacroDef & { kind: 'macro' });

/** The invalidation functions the harness calls in a file of this era: the pair, the zap, and a release's per-view helpers (native/era.ts). */
export function invalidationRoots(era: EraInfo): string[] {
  // an inode-era release calls the per-view helpers itself (native/era.ts)
  return era.release
    ? [era.begin, era.end, ...(era.zap ? [era.zap] : []), era.release.begin, ...(era.release.zap ? [era.release.zap] : []), '__kvm_gmem_invalidate_end', 'kvm_gmem_get_invalidate_filter']
    : [era.begin, era.end];
}

/** Every function the harness calls: the invalidation's, and its kvm_gmem_bind(), for bind-within-file, when it has one of a known shape. */
export const rootsOf = (era: EraInfo): string[] => [...invalidationRoots(era), ...(era.bind ? ['kvm_gmem_bind'] : [])];

/**
 * The two functions and, transitively, the file's functions they call and macros they name.
 * Throws if `file` defines one of them twice, differently: the harness does not evaluate #if.
 */
export function closure(file: string, functions: readonly FunctionDef[], macros: readonly MacroDef[], roots: readonly string[]): Item[] {
  const firstFn = new Map<string, FunctionDef>();
  for (const f of functions) if (!firstFn.has(f.name)) firstFn.set(f.name, f);
  const firstMacro = new Map<string, MacroDef>();
  for (const m of macros) if (!firstMacro.has(m.name)) firstMacro.set(m.name, m);
  const taken = new Map<string, Item>();
  const queue: Item[] = roots.map((r) => ({ ...firstFn.get(r)!, kind: 'function' as const }));
  for (const item of queue) taken.set(item.name, item);
  while (queue.length) {
    const item = queue.shift()!;
    const called = new Set([...item.masked.matchAll(/([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]));
    for (const id of identifiers(item.masked)) {
      if (taken.has(id)) continue;
      const fn = called.has(id) ? firstFn.get(id) : undefined;
      const macro = firstMacro.get(id);
      const next: Item | undefined = fn ? { ...fn, kind: 'function' } : macro && macro.start !== item.start ? { ...macro, kind: 'macro' } : undefined;
      if (next) { taken.set(id, next); queue.push(next); }
    }
  }
  const items = [...taken.values()].sort((a, b) => a.start - b.start);
  // a function and a macro of one name are two definitions too (#ifdef: the function; #else: a macro)
  for (const it of items) definedOnce(file, [...functions, ...macros].filter((d) => d.name === it.name).sort((a, b) => a.start - b.start));
  return items;
}

/**
 * Refuses a function or macro the file defines more than once, differently: which one the kernel
 * compiles is the preprocessor's choice, which the harness does not make. Two definitions that
 * differ only in spacing are one; in a comment, two (a refusal costs less than a guess).
 */
function definedOnce(file: string, defs: ReadonlyArray<FunctionDef | MacroDef>): void {
  const code = (d: FunctionDef | MacroDef) => d.text.replace(/\s+/g, ' ');
  if (defs.every((d) => code(d) === code(defs[0]))) return;
  throw new ExtractError(`${file} defines ${defs[0].name} ${defs.length} times, differently (lines ${defs.map((d) => d.line).join(', ')}), `
    + 'and the harness does not evaluate #if: it cannot tell which one the kernel compiles. Give it a copy with the '
    + 'others removed (unifdef does this for a configuration), or the function as a C variant');
}

/**
 * `shownAs`: the name the #line directives give the file (default its path), so that gcc's
 * messages name a scratch copy as the user knows it and its program is cached across runs.
 */
export function extractInvalidation(treeOrFile: string, shownAs?: string): Extraction {
  const file = locateSource(treeOrFile);
  const src = fs.readFileSync(file, 'utf8');
  const { functions, macros } = topLevel(src);
  const era = recogniseEra(file, functions, macros);
  const items = closure(file, functions, macros, rootsOf(era));
  const where = JSON.stringify(shownAs ?? file);
  const body = items.map((it) =>
    // the shim offers guest_memfd.c's own helpers (GMEM_I, ...) as macros: the tree's win
    `#undef ${it.name}\n#line ${it.line} ${where}\n${it.text}\n`,
  );
  const unit = [
    '#include "kvm_gmem_shim.h"',
    `/* taken from ${shownAs ?? file} by native/extract.ts: ${items.map((i) => i.name).join(', ')} */`,
    ...body,
    '#line 1 "<harness glue>"',
    glue(era),
  ].join('\n');
  return { file, era, taken: items.map((i) => i.name), unit };
}
