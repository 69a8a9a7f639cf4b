// The prove command (npm run prove, and npm run check -- --prove): each variant file proved by
// prover/ over every shape of its era within the bound, a table of proved / counterexample /
// unknown per correctness property, and each counterexample made an ordinary report: a concrete
// case replayed through the engine, shrunk, and saved with "found by proof". A counterexample
// the engine does not confirm is a prover bug, said loudly and never saved. Exit 0 when every
// verdict is the expected one (a property a variant must fail has a counterexample, one it must
// pass is proved), 1 when one is not or is unknown, 2 on a broken file, command line or prover bug.

import path from 'path';
import { parseArgs as utilParseArgs } from 'util';
import { CORRECTNESS, Variant } from '../../model/variant';
import { WORD64 } from '../../model/word';
import { caseOf } from '../../prover/inputs';
import { CTarget, cSubject, proveC } from '../../prover/c/prove';
import { proveVariant } from '../../prover/prove';
import { Bound, FULL_BOUND, SMALL_BOUND, shapeWords } from '../../prover/shapes';
import { DEFAULT_RLIMIT, Solver } from '../../prover/solver';
import { CorrectnessId, PropertyProof, VariantProof } from '../../prover/verdicts';
import { Case, caseKey } from '../case';
import { Outcome } from '../engine/execute';
import { inProcess } from '../engine/engine';
import { minimize } from '../engine/minimize';
import { property, violations } from '../properties';
import { isShipped, loadVariantFile, sourceHashOf } from '../registry';
import { caseRecord } from '../reports/record';
import { reportedVariant, saveFailure } from '../reports/reporter';
import { loadReports, reportsDir } from '../reports/store';
import { variantFiles } from './main';
import { userPath } from './args';

export const PROVE_HELP = `Prove guest_memfd invalidation variants for every input within a bound.

usage: npm run prove -- [options] [variant.ts | variant.c | folder ...] [--from-kernel TREE ...]
       npm run check -- --prove [options] [variant.ts | variant.c | folder ...] [--from-kernel TREE ...]

Each variant is run symbolically (prover/) over every layout shape of its era within the bound
and each correctness property gets a verdict: proved for every value the kernel's input rules
allow in those shapes, a counterexample (replayed through the engine, shrunk and saved as a
report, found by proof), or unknown with the reason. With no file, every variant in variants/.
A C file or a kernel tree is translated to TypeScript first (prover/c/); a construct the
translator does not take makes its verdicts unknown, naming the C line; a counterexample is
replayed on the compiled C.

  --from-kernel PATH  also prove the invalidation functions of a kernel tree (or its guest_memfd.c)

  --property ID[,ID]  only these properties (${CORRECTNESS.join(', ')})
  --bound B           full (default: ${JSON.stringify(FULL_BOUND)}) or small (${JSON.stringify(SMALL_BOUND)})
  --rlimit N          z3's resource limit per query (default ${DEFAULT_RLIMIT}): past it, a query is unknown
  --reports-dir DIR   where counterexample reports go (default REPORTS_DIR, else shrink-reports/)
  --json              one JSON object instead of the table
  -h, --help          this text`;

export interface ProveArgs {
  readonly targets: string[];
  readonly fromKernel: string[];
  readonly properties?: CorrectnessId[];
  readonly bound: Bound;
  readonly boundName: 'full' | 'small';
  readonly rlimit: number;
  readonly reportsDir?: string;
  readonly json: boolean;
  readonly help: boolean;
}

export function parseProveArgs(argv: readonly string[]): ProveArgs {
  const { values: o, positionals } = utilParseArgs({
    args: argv.filter((a) => a !== '--prove'),
    options: { 'from-kernel': { type: 'string', multiple: true }, property: { type: 'string' }, bound: { type: 'string' }, rlimit: { type: 'string' }, 'reports-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  const props = o.property?.split(',');
  const bad = props?.filter((p) => !(CORRECTNESS as readonly string[]).includes(p)) ?? [];
  if (bad.length) throw new Error(`unknown property ${bad.join(', ')}; the prover judges ${CORRECTNESS.join(', ')}`);
  const boundName = (o.bound ?? 'full') as 'full' | 'small';
  if (boundName !== 'full' && boundName !== 'small') throw new Error(`--bound is full or small, got "${o.bound}"`);
  const rlimit = o.rlimit === undefined ? DEFAULT_RLIMIT : Number(o.rlimit);
  if (!Number.isSafeInteger(rlimit) || rlimit < 1) throw new Error(`--rlimit needs a positive integer, got "${o.rlimit}"`);
  return {
    targets: positionals, fromKernel: o['from-kernel'] ?? [], ...(props ? { properties: props as CorrectnessId[] } : {}), bound: boundName === 'full' ? FULL_BOUND : SMALL_BOUND, boundName, rlimit,
    ...(o['reports-dir'] ? { reportsDir: o['reports-dir'] } : {}), json: o.json ?? false, help: o.help ?? false,
  };
}

/** What became of a counterexample in the engine. */
export interface Replayed {
  readonly property: CorrectnessId;
  /** confirmed: the engine fails it too; spurious: it does not, through an over-approximation; bug: it does not, and nothing excuses it. */
  readonly outcome: 'confirmed' | 'spurious' | 'bug';
  readonly case: Case;
  readonly shrunk?: Case;
  readonly violations: readonly string[];
  readonly report?: string;
}

/** What a counterexample is replayed on: a TypeScript variant in this process, or a C variant's compiled program (prover/c/prove.ts). */
export interface ReplaySubject { readonly variant: Variant; run(c: Case): Outcome }

/** A counterexample's case run by the engine on the variant itself, shrunk if it fails, saved. */
export function replayCounterexample(file: string, r: PropertyProof, dir: string | undefined, subject?: ReplaySubject): Replayed {
  const variant = subject?.variant ?? loadVariantFile(file);
  const c = caseOf(r.shape!, r.assignment!);
  const prop = property(r.property);
  const run = subject ? (x: Case) => subject.run(x) : inProcess(variant, WORD64);
  const judge = (x: Case) => violations(prop, run(x));
  let found: string[];
  try {
    found = judge(c);
  } catch (e) {
    found = [];
    return { property: r.property, outcome: 'bug', case: c, violations: [`the engine refused the case: ${(e as Error).message}`] };
  }
  if (found.length === 0) {
    return { property: r.property, outcome: r.abstractions?.length ? 'spurious' : 'bug', case: c, violations: [] };
  }
  let steps = 0;
  const shrunk = minimize(c, (x) => { try { steps++; return judge(x).length > 0; } catch { return false; } });
  const outcome = run(shrunk);
  const v = judge(shrunk);
  if (!dir) return { property: r.property, outcome: 'confirmed', case: c, shrunk, violations: v };
  const who = reportedVariant(variant, sourceHashOf(file), file);
  const saved = saveFailure(dir, who, r.property, outcome, [...v], { seed: 0, path: '', numRuns: 0, numShrinks: steps, proof: { shape: shapeWords(r.shape!) } }, 'in-process');
  return { property: r.property, outcome: 'confirmed', case: c, shrunk, violations: v, report: path.join(dir, `${saved.stem}.md`) };
}

export interface ProveRow { readonly proof: VariantProof; readonly expect: Record<string, string>; readonly replays: readonly Replayed[] }

const cell = (p: PropertyProof, expected: string, rep?: Replayed) => {
  const word = p.status === 'proved' ? 'proved' : p.status === 'unknown' ? 'unknown' : rep?.outcome === 'confirmed' ? 'cex' : rep?.outcome === 'spurious' ? 'unknown' : 'PROVER-BUG';
  const ok = (word === 'proved' && expected !== 'fail') || (word === 'cex' && expected !== 'pass');
  return `${ok ? '' : '!'}${word} ${(p.ms / 1000).toFixed(1)}s`;
};

export function proveTable(rows: readonly ProveRow[], ids: readonly CorrectnessId[]): string {
  const head = ['variant', ...ids, 'time'];
  const body = rows.map((r) => [r.proof.variant, ...ids.map((id) => {
    const p = r.proof.results.find((x) => x.property === id)!;
    return cell(p, r.expect[id], r.replays.find((x) => x.property === id));
  }), `${(r.proof.ms / 1000).toFixed(1)}s`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** Whether a row's verdicts are all the expected ones, known, and no counterexample is unconfirmed. */
const rowMatches = (r: ProveRow) => r.proof.results.every((p) => {
  const rep = r.replays.find((x) => x.property === p.property);
  if (p.status === 'unknown' || (rep && rep.outcome !== 'confirmed')) return false;
  return p.status === 'proved' ? r.expect[p.property] !== 'fail' : r.expect[p.property] !== 'pass';
});

export async function proveMain(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let args: ProveArgs;
  try {
    args = parseProveArgs(argv);
  } catch (e) {
    err(`${(e as Error).message}\n\n${PROVE_HELP}\n`);
    return 2;
  }
  if (args.help) { out(`${PROVE_HELP}\n`); return 0; }
  let targets: CTarget[];
  try {
    const files = variantFiles(args.targets, args.fromKernel.length > 0).filter((f) => f.endsWith('.ts') || f.endsWith('.c'));
    targets = [...files.map((file) => ({ file, tree: false })), ...args.fromKernel.map((t) => ({ file: userPath(t), tree: true }))];
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return 2;
  }
  const solver = new Solver({ rlimit: args.rlimit });
  const rows: ProveRow[] = [];
  const broken: string[] = [];
  try {
    for (const target of targets) {
      const { file } = target;
      const isC = target.tree || file.endsWith('.c');
      const opts = { solver, bound: args.bound, ...(args.properties ? { properties: args.properties } : {}) };
      let proof: VariantProof, variant: Pick<Variant, 'name' | 'expect'>;
      try {
        if (isC) ({ proof, variant } = await proveC(target, opts));
        else { proof = await proveVariant(file, opts); variant = loadVariantFile(file); }
      } catch (e) {
        broken.push(`${file}: ${(e as Error).message}`);
        continue;
      }
      const dir = args.reportsDir ? userPath(args.reportsDir) : target.tree || isShipped(file) ? reportsDir() : path.join(path.dirname(path.resolve(file)), 'shrink-reports');
      // an expected failure a saved report already shows is confirmed, not saved again
      const shown = new Set(loadReports(dir).filter((s) => s.record.variant.name === variant.name).map((s) => s.record.property));
      const found = proof.results.filter((p) => p.status === 'counterexample');
      // a C variant's counterexample is replayed on its compiled C
      const subject = isC && found.length ? cSubject(target) : undefined;
      if (subject?.note && !args.json) err(`${proof.variant}: ${subject.note}\n`);
      let replays: Replayed[];
      try {
        replays = found.map((p) => replayCounterexample(proof.file, p, variant.expect[p.property] === 'fail' && shown.has(p.property) ? undefined : dir, subject));
      } finally {
        subject?.close();
      }
      rows.push({ proof, expect: { ...variant.expect }, replays });
      if (!args.json) err(`${proof.variant}: ${proof.shapes} shapes, ${proof.paths} paths, ${proof.queries} queries, ${(proof.ms / 1000).toFixed(1)} s\n`);
    }
  } finally {
    solver.close();
  }
  const ids = args.properties ?? [...CORRECTNESS];
  const bugs = rows.flatMap((r) => r.replays.filter((x) => x.outcome === 'bug').map((x) => ({ r, x })));
  const code = broken.length || bugs.length ? 2 : rows.every(rowMatches) ? 0 : 1;
  if (args.json) {
    out(`${JSON.stringify({
      bound: args.boundName, exitCode: code, broken,
      variants: rows.map((r) => ({
        variant: r.proof.variant, file: r.proof.file, bound: r.proof.bound, shapes: r.proof.shapes, paths: r.proof.paths, queries: r.proof.queries, ms: Math.round(r.proof.ms),
        results: r.proof.results.map((p) => {
          const rep = r.replays.find((x) => x.property === p.property);
          return {
            property: p.property, status: p.status, expected: r.expect[p.property], ms: Math.round(p.ms), reason: p.reason ?? null,
            shape: p.shape ? shapeWords(p.shape) : null,
            counterexample: rep ? caseRecord(rep.shrunk ?? rep.case) : null,
            replay: rep ? rep.outcome : null, report: rep?.report ?? null,
          };
        }),
      })),
    }, null, 2)}\n`);
    return code;
  }
  for (const b of broken) err(`broken: ${b}\n`);
  out(`${proveTable(rows, ids)}\n`);
  const bounds = [...new Set(rows.map((r) => r.proof.bound))];
  out(`\nproved means: for every value the input rules allow, within ${bounds.join('; or, for the variants of another era, ')}\n`);
  for (const r of rows) {
    for (const p of r.proof.results) {
      const rep = r.replays.find((x) => x.property === p.property);
      if (p.status === 'unknown') out(`\n${r.proof.variant} ${p.property}: unknown: ${p.reason}`);
      if (rep?.outcome === 'bug') out(`\nPROVER BUG: ${r.proof.variant} ${p.property}: the counterexample found by proof passes in the engine: ${caseKey(rep.case)}`);
      if (rep?.outcome === 'spurious') out(`\n${r.proof.variant} ${p.property}: unknown: the counterexample went through an over-approximation (${p.abstractions!.join('; ')}) and the engine does not fail it`);
      if (rep?.outcome === 'confirmed' && rep.report) out(`\n${r.proof.variant} ${p.property}: counterexample found by proof, confirmed by the engine: ${rep.report}`);
    }
  }
  out(code === 0 ? '\n\nevery verdict is the expected one\n' : code === 1 ? '\n\nsome verdicts are not the expected ones (marked !), or unknown\n' : '\n\nbroken (see above)\n');
  return code;
}

if (require.main === module) proveMain(process.argv.slice(2)).then((c) => { process.exitCode = c; });
