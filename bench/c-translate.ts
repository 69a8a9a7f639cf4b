// npm run c-translate [-- --cases N --expressions N --seed S] [TREE ...]: the long run of the
// translator's evidence (test/c-translate.test.ts is its short one): every C variant, the
// translator's own fixture and every fixture tree (and any tree named) against its compiled C on
// N generated cases each (default 3000), and N random expressions (default 3000) against gcc on
// 40 inputs each. Prints what it compared; exit 1 on any difference, 2 on a file it cannot take.

import fs from 'fs';
import path from 'path';
import { parseArgs } from 'util';
import { loadCVariant, loadKernelVariant } from '../native/cvariant';
import { arithmeticDifferential } from '../prover/c/arith';
import { casesFor, differential } from '../prover/c/differential';
import { loadPlain } from '../prover/c/load';
import { translateTarget } from '../prover/c/prove';

const ROOT = path.join(__dirname, '..');

function main(argv: string[]): number {
  const { values: o, positionals } = parseArgs({ args: argv, options: { cases: { type: 'string' }, expressions: { type: 'string' }, seed: { type: 'string' } }, allowPositionals: true });
  const cases = Number(o.cases ?? 3000), expressions = Number(o.expressions ?? 3000), seed = Number(o.seed ?? 1);
  if (![cases, expressions, seed].every(Number.isSafeInteger) || cases < 1 || expressions < 1) {
    console.error('usage: npm run c-translate -- [--cases N] [--expressions N] [--seed S] [TREE ...]');
    return 2;
  }
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const targets = [
    ...fs.readdirSync(path.join(ROOT, 'variants', 'c')).filter((f) => f.endsWith('.c')).map((f) => ({ file: path.join(ROOT, 'variants', 'c', f), tree: false })),
    { file: path.join(ROOT, 'test', 'fixtures', 'c-translate', 'unsigned-idiom.c'), tree: false },
    ...fs.readdirSync(path.join(ROOT, 'test', 'fixtures')).filter((d) => /^(linux|mutant)-/.test(d)).map((d) => ({ file: path.join(ROOT, 'test', 'fixtures', d), tree: true })),
    ...positionals.map((t) => ({ file: path.resolve(cwd, t), tree: true })),
  ];
  let differ = 0, broken = 0;
  for (const t of targets) {
    const shown = path.relative(ROOT, t.file);
    const t0 = performance.now();
    try {
      const v = loadPlain(translateTarget(t));
      const c = t.tree ? loadKernelVariant(t.file) : loadCVariant(t.file);
      try {
        const r = differential(v, (cs) => c.runner.runMany(cs), casesFor(v, cases, seed));
        differ += r.differences.length;
        console.log(`${shown}: ${r.compared} cases (${r.invalidations} reach the invalidation), ${r.differences.length} differences, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        for (const d of r.differences.slice(0, 3)) console.log(`  C:           ${d.c}\n  translation: ${d.translated}`);
      } finally {
        c.runner.close();
      }
    } catch (e) {
      broken++;
      console.log(`${shown}: not compared: ${(e as Error).message}`);
    }
  }
  const t0 = performance.now();
  const a = arithmeticDifferential(expressions, 40, seed);
  console.log(`arithmetic: ${a.expressions} expressions x ${a.inputs} inputs, ${a.mismatches.length} differences from gcc, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const m of a.mismatches.slice(0, 5)) console.log(`  ${m.expression} at (${m.input}): gcc ${m.gcc}, translation ${m.translated}`);
  return broken ? 2 : differ || a.mismatches.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
