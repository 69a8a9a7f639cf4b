// The bench's proof section (npm run bench -- --prove): every TypeScript variant of variants/
// proved at the full bound in this process, one solver process beside it, the time (wall and
// CPU) per variant, the shapes, paths and queries, and whether each verdict is the expected one.
// Written into bench/RESULTS.md between its markers, so the rest of the file is kept.

import fs from 'fs';
import os from 'os';
import path from 'path';
import { PropertyId, expectationOf } from '../model/variant';
import { PROVER_PROPERTIES, proveVariant } from '../prover/prove';
import { Bound, FULL_BOUND, boundSummary } from '../prover/shapes';
import { Solver } from '../prover/solver';
import { VariantProof } from '../prover/verdicts';
import { namedTargets } from '../properties/command/targets';
import { replayCounterexample, verdictMatches } from '../properties/command/prove';
import { loadVariantFile } from '../properties/registry';

export const BEGIN = '<!-- prove: written by npm run bench -- --prove -->';
export const END = '<!-- /prove -->';

export interface ProveRow {
  readonly proof: VariantProof;
  /** Properties whose verdict is not the expected one, or whose counterexample the engine does not confirm. */
  readonly mismatches: readonly PropertyId[];
}

/** Proves every shipped TypeScript variant at `bound`; `progress` hears each. */
export async function proveShipped(bound: Bound = FULL_BOUND, progress: (r: ProveRow) => void = () => undefined): Promise<{ rows: ProveRow[]; cpuMs: number; wallMs: number }> {
  const solver = new Solver();
  const t0 = performance.now();
  const rows: ProveRow[] = [];
  let cpuMs = 0;
  try {
    for (const file of namedTargets([]).files.filter((f) => f.endsWith('.ts'))) {
      const proof = await proveVariant(file, { solver, bound });
      const v = loadVariantFile(file);
      // each counterexample replayed through the engine (not saved): one it does not confirm is a mismatch
      const mismatches = proof.results.filter((p) => {
        const rep = p.status === 'counterexample' ? replayCounterexample(file, p, undefined) : undefined;
        return verdictMatches(p, expectationOf(v, p.property), rep) === false;
      }).map((p) => p.property);
      const row = { proof, mismatches };
      rows.push(row);
      cpuMs += proof.cpuMs;
      progress(row);
    }
  } finally {
    solver.close();
  }
  return { rows, cpuMs, wallMs: performance.now() - t0 };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const verdict = (p: VariantProof['results'][number]) => (p.status === 'counterexample' ? 'cex' : p.status);

export function renderProve(r: { rows: readonly ProveRow[]; cpuMs: number; wallMs: number }, bound: Bound, load: string): string {
  const head = ['variant', ...PROVER_PROPERTIES, 'shapes', 'paths', 'queries (cached)', 'wall', 'CPU'];
  const line = (cols: string[]) => `| ${cols.join(' | ')} |`;
  return [
    BEGIN,
    '## 6. Proof within a bound (`npm run prove`)',
    '',
    `Every TypeScript variant of variants/ proved at the full bound (${boundSummary(bound)}), in one process and one z3 process beside it, pinned to one core (\`taskset -c 0 npm run bench -- --prove\`), ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}; ${load}. CPU is the prover's and the solver's together; wall time counts the other engineers' load too. Answers are cached by the query's text across variants, in file order: a variant that asks what an earlier one asked (upstream-6.14 on a default VM asks what upstream asks) costs little here, and more alone. A verdict marked ! is not the expected one; not-judged: bind-within-file of a variant without a kvm_gmem_bind() (no verdict, never a pass).`,
    '',
    line(head),
    line(head.map(() => '---')),
    ...r.rows.map(({ proof, mismatches }) => line([
      proof.variant,
      ...PROVER_PROPERTIES.map((id) => {
        const p = proof.results.find((x) => x.property === id)!;
        return `${mismatches.includes(id) ? '!' : ''}${verdict(p)}`;
      }),
      `${proof.shapes}`, `${proof.paths}`, `${proof.queries} (${proof.cached})`, s(proof.ms), s(proof.cpuMs),
    ])),
    '',
    `Total: ${s(r.wallMs)} wall, ${s(r.cpuMs)} CPU; ${r.rows.reduce((n, x) => n + x.mismatches.length, 0)} verdict(s) not the expected one.`,
    END,
  ].join('\n');
}

/** Writes the section into the results file: in place of the last one, or at its end. */
export function writeProveSection(file: string, section: string): void {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const a = old.indexOf(BEGIN), b = old.indexOf(END);
  const next = a >= 0 && b > a ? `${old.slice(0, a)}${section}${old.slice(b + END.length)}` : `${old.trimEnd()}\n\n${section}\n`;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(tmp, next);
  fs.renameSync(tmp, file);
}
