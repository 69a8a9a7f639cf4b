// The variant a saved report speaks of: a shipped TypeScript variant found by name, or the file
// its record names (a variant checked by path, or one in C, compiled and run in a child).

import path from 'path';
import { Variant } from '../../model/variant';
import { XarrayMode } from '../../model/xarray';
import { Case } from '../case';
import { Outcome } from '../execute';
import { IsolatedVariant } from '../isolate';
import { loadVariantFile } from '../registry';
import { SavedReport } from './store';

const REPLAY_LIMIT_MS = 2000;

export interface ReportVariant {
  readonly variant: Variant;
  /** How its cases run when not in this process: a C variant's child, or a path-checked file's worker. */
  readonly exec?: (c: Case, mode: XarrayMode) => Outcome;
  close(): void;
}

export function variantOf(saved: SavedReport, shipped: readonly Variant[]): ReportVariant | undefined {
  const where = saved.record.variant.file;
  if (!where) {
    const v = shipped.find((x) => x.name === saved.record.variant.name);
    return v && { variant: v, close: () => undefined };
  }
  const file = path.resolve(path.dirname(saved.file), where);
  if (!file.endsWith('.c')) {
    // a variant checked by path may be the one that hung: replay it under the time limit
    const worker = new IsolatedVariant(file, REPLAY_LIMIT_MS);
    worker.ready();
    return { variant: loadVariantFile(file), exec: worker.run, close: () => worker.close() };
  }
  const native = require('../../native/cvariant') as typeof import('../../native/cvariant');
  const { CIsolated } = require('../../native/isolated') as typeof import('../../native/isolated');
  const runner = new CIsolated(native.loadCVariant(file));
  return { variant: runner.variant, exec: runner.run, close: () => runner.close() };
}
