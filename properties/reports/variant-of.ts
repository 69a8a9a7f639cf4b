// The variant a saved report speaks of, ready to replay its case: a shipped TypeScript variant
// found by name, or the file its record names (a variant checked by path, a C variant, a kernel
// tree). The command's resolver runs each in its own process, as a check does; tests may hand
// variants in to run in their own process (inProcessResolver).

import fs from 'fs';
import path from 'path';
import { Expectation, PropertyId, Variant, expectationOf } from '../../model/variant';
import { WORD64 } from '../../model/word';
import { Case } from '../case';
import type { Executor } from '../engine/executor';
import { execute } from '../engine/execute';
import { shellWord } from '../format';
import { IsolatedRunner } from '../isolation/isolated';
import { ChildRunner } from '../isolation/runner';
import { TsVariant } from '../isolation/ts-variant';
import { VariantFileError, shippedFileOf, shippedNames, sourceHashOf, variantSourceHash } from '../registry';
import { isKernelTree } from './record';
import { SavedReport } from './store';

export interface ReportVariant {
  readonly name: string;
  /** Where its cases run (the VM types, whether its functions take the inode). */
  readonly space: Pick<Variant, 'vmTypes' | 'takes' | 'zap' | 'convert' | 'bind' | 'bindEra'>;
  readonly expected: (id: PropertyId) => Expectation;
  readonly sourceHash: string;
  readonly exec: Executor;
  /** A fresh process that has run `history` first, when the variant runs in one. */
  readonly probe?: (history: readonly Case[]) => { readonly run: Executor; close(): void };
  /** The file it runs from, when it has one. */
  readonly file?: string;
  /** A kernel tree whose file changed since the report: the name it has now (ChildResolverOptions.asItIsNow). */
  readonly changedTo?: string;
  close(): void;
}


export type Resolver = (saved: SavedReport) => ReportVariant | undefined;

/** A variant running in its own process, as a report replays it. */
export function isolatedVariant(meta: Pick<Variant, 'name' | 'expect' | 'vmTypes' | 'takes' | 'zap' | 'convert' | 'bind' | 'bindEra'>, sourceHash: string, runner: ChildRunner, close = () => runner.close()): ReportVariant {
  const isolated = new IsolatedRunner(runner);
  return {
    name: meta.name,
    space: { vmTypes: meta.vmTypes, takes: meta.takes, zap: meta.zap, convert: meta.convert, bind: meta.bind, bindEra: meta.bindEra },
    expected: (id) => expectationOf(meta, id),
    sourceHash,
    exec: isolated.run,
    probe: (history) => runner.probe(history),
    close,
  };
}

/** Runs `variants` in this process (tests, the bench); other reports still resolve through their files. */
export function inProcessResolver(variants: readonly Variant[], timeoutMs = 2000): Resolver {
  const files = childResolver({ timeoutMs });
  return (saved) => {
    const v = saved.record.variant.file === undefined ? variants.find((x) => x.name === saved.record.variant.name) : undefined;
    if (!v) return files(saved);
    return {
      name: v.name,
      space: { vmTypes: v.vmTypes, takes: v.takes, zap: v.zap, convert: v.convert, bind: v.bind, bindEra: v.bindEra },
      expected: (id) => expectationOf(v, id),
      sourceHash: variantSourceHash(v),
      exec: (c) => execute(v, c, WORD64),
      close: () => undefined,
    };
  };
}

export interface ChildResolverOptions {
  readonly timeoutMs: number;
  /** Variants already running (the command's own), by name and file, tried first. */
  readonly reuse?: (name: string, file?: string) => ReportVariant | undefined;
  /** A kernel tree's report replayed on this tree (or its guest_memfd.c), not on the file its record names. */
  readonly tree?: string;
  /**
   * A kernel tree whose file changed since the report: by default its report's variant is gone
   * (the index says so, and prune removes the report); with this, the case runs on the file as
   * it is now, and the variant says the name it has now (`changedTo`).
   */
  readonly asItIsNow?: boolean;
}

/**
 * The command's resolver: a shipped TypeScript variant by its name (variants/<name>.ts), any
 * other by the file its record names, relative to the report's folder (a shipped C variant by its
 * name when that file is not there); a C file compiled and
 * a kernel tree extracted as `--from-kernel` does. Each runs in its own process.
 */
export function childResolver(opts: ChildResolverOptions): Resolver {
  return (saved) => {
    const { name, file: where } = saved.record.variant;
    const kernel = isKernelTree(name);
    const recorded = where === undefined ? undefined : path.resolve(path.dirname(saved.file), where);
    const file = kernel && opts.tree !== undefined ? opts.tree
      : recorded === undefined ? shippedNames().get(name)
        // a shipped C variant's report names its file relative to the report's folder: in a copy
        // of the folder (a CI's artifact) its name finds it, as a shipped TypeScript one's does
        : !kernel && !fs.existsSync(recorded) ? shippedFileOf(name) ?? recorded : recorded;
    if (!file) return undefined;
    if (!fs.existsSync(file)) {
      const moved = kernel
        ? `its tree's file ${file} (recorded relative to the report's folder, as ${where}) does not exist: name the tree, npm run check -- --report ${shellWord(saved.file)} --from-kernel TREE`
        : `its variant's file ${file} (recorded relative to the report's folder, as ${where}) does not exist: was the report or the variant moved?`;
      throw new VariantFileError(saved.file, moved);
    }
    const reused = opts.reuse?.(name, file);
    if (reused) return { ...reused, close: () => undefined };
    return openVariant(name, file, opts);
  };
}

/**
 * The variant of this name at this file, in its own process: a TypeScript file, a C file
 * compiled, a kernel tree (or its guest_memfd.c) extracted; undefined when the file holds a
 * variant of another name (for a kernel tree, another version of its file, unless `asItIsNow`
 * or a `tree` is given).
 */
export function openVariant(name: string, file: string, opts: Pick<ChildResolverOptions, 'timeoutMs' | 'tree' | 'asItIsNow'>): ReportVariant | undefined {
  const kernel = isKernelTree(name);
  if (file.endsWith('.ts')) {
    const ts = new TsVariant(file, { timeoutMs: opts.timeoutMs });
    const meta = ts.ready();
    if (meta.name !== name) {
      ts.runner.close();
      return undefined;
    }
    return { ...isolatedVariant(meta, sourceHashOf(file), ts.runner), file };
  }
  const native = require('../../native/cvariant') as typeof import('../../native/cvariant');
  const v = kernel
    ? native.loadKernelVariant(file, { timeoutMs: opts.timeoutMs })
    : native.loadCVariant(file, { timeoutMs: opts.timeoutMs });
  const changed = kernel && v.name !== name;
  // a kernel tree's name carries its file's hash: this report is of another version of the file
  if (changed && !opts.asItIsNow && opts.tree === undefined) {
    v.runner.close();
    return undefined;
  }
  return { ...isolatedVariant(v, sourceHashOf(v.file), v.runner), file: v.file, ...(changed ? { changedTo: v.name } : {}) };
}
