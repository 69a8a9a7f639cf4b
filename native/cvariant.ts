// C variants as the engine sees them: a Variant (name, origin, expectations) whose cases run
// through its own runner. loadCVariant() takes a .c file written for the harness;
// loadKernelVariant() takes a kernel tree or its guest_memfd.c (--from-kernel).
//
// How a C case runs, and why so: fast-check's property is synchronous, so a C variant cannot
// be called like a TypeScript one. Each variant is compiled once (native/compile.ts, cached by
// content hash) with native/driver.c into a program that runs as one persistent child process.
// A worker thread owns the child (properties/isolation/supervisor.js); a synchronous run() posts
// a batch to it and blocks on Atomics.wait() until the replies are in (isolation/sync-child.ts). The engine
// reaches run() through its `isolated` executor (properties/isolation/isolated.ts). The model computes each
// case's walk, C replays it, and the call log C writes back is replayed through model/kvm.ts
// (properties/isolation/log.ts), so verdicts come from the same code as for TypeScript. Outcomes are
// cached per case and mode: fast-check feeds every property the same cases for one seed, so
// each runs in C once; shrinking asks for a few new cases at a time. A crash, a hang or garbled
// output fails that case (its Outcome has a fault) and the child is restarted; a compile error
// is a CCompileError; no gcc is a GccNotFoundError.

import crypto from 'crypto';
import fs from 'fs';
import { Variant, expectations } from '../model/variant';
import { VM_TYPES } from '../model/vm';
import { CompileOptions, compileUnit, unitOf } from './compile';
import { EraInfo, eraOfSource, glue } from './era';
import { extractInvalidation } from './extract';
import { parseHeader } from './header';
import { CRunner, CRunnerOptions } from './runner';

export interface CVariant extends Variant {
  readonly file: string;
  readonly era: EraInfo;
  readonly binary: string;
  /** gcc's warnings ('' if none), for the command to show. */
  readonly warnings: string;
  readonly runner: CRunner;
}

export type LoadOptions = CompileOptions & CRunnerOptions;

/**
 * The Variant functions of a C variant cannot run in process. Their toString() is the C that
 * was compiled, so that properties/registry.ts variantSourceHash(), which hashes a variant's
 * functions, tells a changed C file (and a stale saved report) from an unchanged one.
 */
function notInProcess(name: string, source: string): () => never {
  const f = () => {
    throw new Error(`${name} is a C variant: run its cases through variant.runner.run(case, mode)`);
  };
  Object.defineProperty(f, 'toString', { value: () => source });
  return f;
}

/**
 * Where an era's cases run: from 6.14 in TDX VMs too (the ranges carry an attribute filter, and a
 * TDX VM is where it matters); from 2025 with several views, as its functions take the inode; the
 * split era's cases have a page order and a zap phase (no conversions: no C variant converts).
 */
export function eraSpace(era: EraInfo): Pick<Variant, 'vmTypes' | 'takes'> & { readonly split: boolean } {
  if (era.era === '2023' || era.era === '6.8') return { split: false };
  if (!era.release) return { vmTypes: VM_TYPES, split: false };
  return { vmTypes: VM_TYPES, takes: 'inode', split: era.zap !== undefined };
}

const spaceOf = (name: string, era: EraInfo, source: string): Pick<Variant, 'vmTypes' | 'takes' | 'zap' | 'release_zap' | 'bind' | 'bindEra'> => {
  // its kvm_gmem_bind(), judged by bind-within-file, by the era of its errnos
  const bind = era.bind ? { bind: notInProcess(name, source), ...(era.bind.era === '7.2' ? { bindEra: era.bind.era } : {}) } : {};
  const { split, ...space } = eraSpace(era);
  return { ...space, ...(split ? { zap: notInProcess(name, source), release_zap: notInProcess(name, source) } : {}), ...bind };
};

/**
 * The name, origin and expectations of a tree's functions (--from-kernel): expected to pass every
 * correctness property, named `kernel-<era>-<first 8 hex of the file's sha256>`, so reports of two
 * trees never share a name, and a tree's reports follow its file's content.
 */
export function kernelHeader(file: string, era: EraInfo, taken: readonly string[]): { name: string; origin: string; expect: Variant['expect'] } {
  const tag = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 8);
  const skipped = era.bindSkipped ? `; ${era.bindSkipped}: not judged by bind-within-file` : '';
  return { name: `kernel-${era.era}-${tag}`, origin: `${file} (${taken.join(', ')})${skipped}`, expect: expectations() };
}

function make(file: string, header: { name: string; origin: string; expect: Variant['expect'] }, era: EraInfo, source: string, binary: string, warnings: string, opts: LoadOptions): CVariant {
  return Object.freeze({
    ...header,
    ...spaceOf(header.name, era, source),
    file,
    era,
    binary,
    warnings,
    runner: new CRunner(binary, opts),
    invalidate_begin: notInProcess(header.name, source),
    invalidate_end: notInProcess(header.name, source),
  });
}

/** A .c variant: its harness comment, its era, compiled. */
export function loadCVariant(file: string, opts: LoadOptions = {}): CVariant {
  const src = fs.readFileSync(file, 'utf8');
  const header = parseHeader(file, src);
  const era = eraOfSource(file, src);
  const unit = unitOf(file, src, glue(era));
  const { binary, warnings } = compileUnit(unit, opts);
  return make(file, header, era, unit.text, binary, warnings, opts);
}

/**
 * --from-kernel: the invalidation functions of a tree's guest_memfd.c (kernelHeader()). `shownAs`:
 * what gcc's messages call the file (a scratch copy of a patched tree, say).
 */
export function loadKernelVariant(treeOrFile: string, opts: LoadOptions = {}, shownAs?: string): CVariant {
  const x = extractInvalidation(treeOrFile, shownAs);
  const { binary, warnings } = compileUnit({ file: x.file, text: x.unit }, opts);
  return make(x.file, kernelHeader(x.file, x.era, x.taken), x.era, x.unit, binary, warnings, opts);
}

