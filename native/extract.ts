// --from-kernel: takes kvm_gmem_invalidate_begin()/_end() out of a tree's guest_memfd.c (or
// 2023's guest_mem.c) by brace matching, with its kvm_gmem_bind() when it has one, and the
// file's own functions and macros they use (a __kvm_gmem_invalidate_begin split,
// kvm_gmem_get_invalidate_filter, GMEM_I, kvm_gmem_supports_mmap, ...), tells the era from
// their signatures, and wraps them, unmodified, with the shim into a unit for gcc.

import fs from 'fs';
import path from 'path';
import { FunctionDef, MacroDef, identifiers, maskC, topLevel } from './cparse';
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
export function closure(file: string, src: string, functions: readonly FunctionDef[], macros: readonly MacroDef[], roots: readonly string[]): Item[] {
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
  const dead = neverCompiled(src);
  const deadAt = (at: number) => dead.find((r) => at >= r.start && at < r.end);
  for (const it of items) {
    // a function and a macro of one name are two definitions too (#ifdef: the function; #else: a macro)
    const defs = [...functions, ...macros].filter((d) => d.name === it.name).sort((a, b) => a.start - b.start);
    definedOnce(file, defs);
    // (definedOnce let through only copies alike: one of them built is as good as the one taken)
    const region = deadAt(it.start);
    if (region && defs.every((d) => deadAt(d.start))) {
      throw new ExtractError(`${file} defines ${it.name} (line ${it.line}) only in the branch of line ${region.line}, which is never built (#if 0, #elif 0, or a branch after #if 1): the kernel never compiles it, `
        + 'and the harness would judge it. Give it the file as it is built (a copy without that branch), or the function as a C variant');
    }
  }
  return items;
}

/** The file's text, its era, and what the harness takes from it (closure()), or the refusal. */
function takenFrom(file: string): { src: string; era: EraInfo; items: Item[] } {
  const src = fs.readFileSync(file, 'utf8');
  const { functions, macros } = topLevel(src);
  const era = recogniseEra(file, functions, macros);
  return { src, era, items: closure(file, src, functions, macros, rootsOf(era)) };
}

/**
 * The file's text with each function and macro the harness takes replaced by its name, spacing
 * folded: two versions of a file whose such texts differ differ outside what is judged (a caller
 * of the functions, say). Throws as extractInvalidation() does on a file it cannot take.
 */
export function untaken(file: string): { text: string; taken: string[] } {
  const { src, items } = takenFrom(file);
  let text = '', at = 0;
  for (const it of items) {
    text += `${src.slice(at, it.start)}<${it.name}>`;
    at = it.end;
  }
  return { text: `${text}${src.slice(at)}`.replace(/\s+/g, ' '), taken: items.map((i) => i.name) };
}

/**
 * The regions a literal condition leaves out: a `#if 0` (or `#elif 0`) to its next `#elif`,
 * `#else` or `#endif`, and whatever follows a `#if 1` (or `#elif 1`) to its `#endif` (nested
 * conditionals counted). These are the conditions whose answer needs no configuration, so the
 * harness can tell that what lies there is never built. Directives in comments are masked first.
 */
export function neverCompiled(src: string): Array<{ start: number; end: number; line: number }> {
  const masked = maskC(src);
  const out: Array<{ start: number; end: number; line: number }> = [];
  // per open conditional: where its dead branch began (if it is in one), and whether a branch was surely taken
  const open: Array<{ deadFrom?: { start: number; line: number }; taken: boolean }> = [];
  const directive = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/gm;
  for (const m of masked.matchAll(directive)) {
    const [, kind, rest] = m;
    const here = { start: m.index!, line: masked.slice(0, m.index!).split('\n').length };
    const literal = kind === 'if' || kind === 'elif' ? /^\s*([01])\s*$/.exec(rest)?.[1] : undefined;
    if (kind.startsWith('if')) {
      if (open.some((o) => o.deadFrom)) { open.push({ taken: false }); continue; } // inside a dead region: that region covers it
      open.push({ ...(literal === '0' ? { deadFrom: here } : {}), taken: literal === '1' });
      continue;
    }
    const top = open[open.length - 1];
    if (!top) continue; // an unmatched directive: gcc's to refuse
    if (top.deadFrom) out.push({ start: top.deadFrom.start, end: here.start, line: top.deadFrom.line });
    top.deadFrom = undefined;
    if (kind === 'endif') { open.pop(); continue; }
    if (open.slice(0, -1).some((o) => o.deadFrom)) continue;
    // a branch after one surely taken is never built; an #elif 0 never is; an #elif 1 is surely taken
    if (top.taken || literal === '0') top.deadFrom = here;
    if (literal === '1') top.taken = true;
  }
  for (const o of open) if (o.deadFrom) out.push({ start: o.deadFrom.start, end: masked.length, line: o.deadFrom.line });
  return out;
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
  const { era, items } = takenFrom(file);
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
