// live/RESULTS.md: one row per run of `npm run kvm` (the kernel's release and guest_memfd config
// line, the seed, the cases and how many agreed, or why it skipped), so what a run saw outlives
// its console. Written whole through a temporary file and a rename, as a report is.

import fs from 'fs';
import path from 'path';
import { writeAtomic } from '../properties/reports/store';
import { KernelBuild, configShown } from './kernel-build';

export const RESULTS_FILE = path.join(__dirname, 'RESULTS.md');

export interface LiveRecord {
  readonly date: Date;
  readonly build: KernelBuild;
  readonly device: string;
  readonly seed: number;
  readonly cases: number;
  readonly agreements: number;
  readonly disagreements: number;
  /** 'agrees', 'disagrees', 'skipped: why', 'required, unusable: why'. */
  readonly outcome: string;
}

const HEAD = [
  '# Live runs',
  '',
  'One row per run of `npm run kvm` (live/conformance.ts; `--record FILE` writes the row elsewhere),',
  'newest last: the kernel it ran on, its `CONFIG_KVM_GUEST_MEMFD` line, the seed and what came of',
  'the cases. A skipped run is recorded too, with its cause. Figures of speed are in live/README.md.',
  '',
  '| date (UTC) | kernel | guest_memfd config | device | seed | cases | agreements | disagreements | outcome |',
  '|---|---|---|---|---:|---:|---:|---:|---|',
];

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The row a run adds. */
export function resultRow(r: LiveRecord): string {
  const date = r.date.toISOString().replace('T', ' ').slice(0, 16);
  return `| ${date} | ${cell(r.build.release)} | ${cell(configShown(r.build))} | ${cell(r.device)} | ${r.seed} | ${r.cases} | ${r.agreements} | ${r.disagreements} | ${cell(r.outcome)} |`;
}

/** Appends the run's row to `file` (made with its header when it is new). */
export function recordRun(file: string, r: LiveRecord): void {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n') : HEAD;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeAtomic(file, `${[...old, resultRow(r)].join('\n')}\n`);
}
