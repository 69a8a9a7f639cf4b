// The bench's units of work, each a plain-JSON job with a plain-JSON result, so that a worker
// process can run it (bench/worker.ts) as well as the main process.

import { Variant } from '../model/variant';
import { loadVariants } from '../properties/registry';
import { Mutant, loadMutants } from './catalogue';
import { DetectionConfig, DetectionRow, detectionRows } from './detection';
import { ScopeRun, largestWithin, scopeRun } from './exhaustive-scope';
import { KillConfig, KillRow, killRow } from './kill-matrix';
import { ShrinkConfig, ShrinkRow, shrinkRows } from './shrink-quality';

export type Job =
  | { readonly kind: 'kill'; readonly mutant: string; readonly cfg: KillConfig }
  | { readonly kind: 'detection'; readonly variant: string; readonly cfg: DetectionConfig }
  | { readonly kind: 'shrink'; readonly variant: string; readonly cfg: ShrinkConfig }
  | { readonly kind: 'scope-largest'; readonly variant: string; readonly budgetMs: number; readonly origin: string }
  | { readonly kind: 'scope'; readonly variant: string; readonly maxPages: number; readonly origin: string };

export type JobResult =
  | { readonly kind: 'kill'; readonly row: KillRow }
  | { readonly kind: 'detection'; readonly rows: DetectionRow[] }
  | { readonly kind: 'shrink'; readonly rows: ShrinkRow[] }
  | { readonly kind: 'scope'; readonly runs: ScopeRun[] };

let shipped: Variant[] | undefined;
let mutants: Mutant[] | undefined;
const variantNamed = (name: string): Variant => {
  shipped ??= loadVariants();
  const v = shipped.find((x) => x.name === name);
  if (!v) throw new Error(`no shipped variant named ${name}`);
  return v;
};

export function runJob(job: Job): JobResult {
  switch (job.kind) {
    case 'kill': {
      mutants ??= loadMutants(); // once per worker process, not once per job
      const m = mutants.find((x) => x.variant.name === job.mutant);
      if (!m) throw new Error(`no mutant named ${job.mutant}`);
      return { kind: 'kill', row: killRow(m, variantNamed(m.base), job.cfg) };
    }
    case 'detection': return { kind: 'detection', rows: detectionRows(variantNamed(job.variant), job.cfg) };
    case 'shrink': return { kind: 'shrink', rows: shrinkRows(variantNamed(job.variant), job.cfg) };
    case 'scope-largest': return { kind: 'scope', runs: largestWithin(variantNamed(job.variant), job.budgetMs, BigInt(job.origin)) };
    case 'scope': return { kind: 'scope', runs: [scopeRun(variantNamed(job.variant), job.maxPages, BigInt(job.origin))] };
  }
}
