// npm run trees -- FOLDER [--runs N]: judges every kernel tree in FOLDER with --from-kernel, one command
// run, and writes bench/TREES.md: each tree (its SOURCE line: repo, commit, path), the era the
// harness read, and the correctness verdicts. The trees are not in this repo (kernel text stays
// out of it): a folder per tree holding virt/kvm/guest_memfd.c (or guest_mem.c) and SOURCE.

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { CORRECTNESS } from '../model/variant';
import type { CheckOutput } from '../properties/command/output-schema';

const ROOT = path.join(__dirname, '..');

/** What the check's --json says, as far as this table reads it. */
type Json = Pick<CheckOutput, 'broken' | 'variants' | 'verdicts'>;

export interface Tree {
  readonly dir: string;
  /** Its SOURCE line: repository, commit, file. */
  readonly source: string;
}

/**
 * One row per file judged: a tree's variant is the one taken from a file inside it (trees that
 * hold the same file were judged once, as one variant, and share its row, each source listed),
 * and a tree that broke is the one whose broken entry names a file inside it (never found by
 * text in a message, which can name another tree too).
 */
export function treeRows(trees: readonly Tree[], j: Json): { rows: string[]; broken: number; passing: number } {
  const groups = new Map<string, { sources: string[]; row: (sources: string) => string }>();
  for (const t of trees) {
    const within = path.resolve(t.dir) + path.sep; // a tree "x" is not the tree "x-rc1"
    const inside = (f: string) => path.resolve(f) === path.resolve(t.dir) || path.resolve(f).startsWith(within);
    const broken = j.broken.find((b) => inside(b.file));
    const v = j.variants.find((x) => [x.file, ...(x.alsoAt ?? [])].some(inside));
    let key: string, row: (sources: string) => string;
    if (broken || !v) {
      key = `broken ${t.dir}`;
      row = (sources) => `| ${sources} | - | broken: ${(broken?.message ?? 'not run').split('\n')[0].replace(/\|/g, '\\|')} |`;
    } else {
      key = v.name;
      const era = v.name.replace(/^kernel-/, '').replace(/-[0-9a-f]{8}$/, '');
      const failed = j.verdicts.filter((x) => x.variant === v.name && x.actual === 'fail' && (CORRECTNESS as readonly string[]).includes(x.property));
      const verdict = failed.length ? `FAIL ${failed.map((x) => `${x.property} (${x.violations[0]})`).join('; ')}` : 'every correctness property passes';
      row = (sources) => `| ${sources} | ${era} | ${verdict} |`;
    }
    const g = groups.get(key) ?? { sources: [], row };
    g.sources.push(t.source);
    groups.set(key, g);
  }
  const rows = [...groups.values()].map((g) => g.row(g.sources.join('<br>')));
  return { rows, broken: [...groups.keys()].filter((k) => k.startsWith('broken ')).length, passing: rows.filter((x) => x.endsWith('| every correctness property passes |')).length };
}

const USAGE = 'usage: npm run trees -- FOLDER [--runs N]   (FOLDER: a folder per tree, each with virt/kvm/guest_memfd.c and a SOURCE line)';

function main(argv: string[]): number {
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? argv[runsAt + 1] : '1000';
  const rest = runsAt >= 0 ? [...argv.slice(0, runsAt), ...argv.slice(runsAt + 2)] : argv;
  if (rest.length !== 1 || !/^[1-9]\d*$/.test(runs ?? '')) {
    console.error(USAGE);
    return 2;
  }
  // from where npm was run (npm runs scripts from the package's folder)
  const folder = path.resolve(process.env.INIT_CWD ?? process.cwd(), rest[0]);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    console.error(`trees: ${folder} is not a folder\n${USAGE}`);
    return 2;
  }
  const all = fs.readdirSync(folder).map((d) => path.join(folder, d)).filter((d) => fs.statSync(d).isDirectory()).sort();
  const trees = all.filter((d) => fs.existsSync(path.join(d, 'SOURCE')));
  for (const d of all.filter((x) => !trees.includes(x))) console.error(`trees: ${d} has no SOURCE line (repository, commit, file): left out`);
  if (trees.length === 0) {
    console.error(`trees: no tree in ${folder} (a tree is a folder with a SOURCE line); bench/TREES.md is left as it was`);
    return 2;
  }
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'trees-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'properties/command/bin.js'), ...trees.flatMap((t) => ['--from-kernel', t]), '--runs', runs, '--seed', '1', '--reports-dir', reports, '--json'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
  fs.rmSync(reports, { recursive: true, force: true });
  let j: Json;
  try {
    j = JSON.parse(r.stdout) as Json;
  } catch {
    console.error(`trees: the check did not answer in JSON (exit ${r.status}):\n${r.stderr.slice(0, 2000)}`);
    return 2;
  }
  const { rows, broken, passing } = treeRows(trees.map((dir) => ({ dir, source: fs.readFileSync(path.join(dir, 'SOURCE'), 'utf8').trim() })), j);
  const files = rows.length === trees.length ? '' : ` (${rows.length} distinct files: trees that hold the same file were judged once and share a row)`;
  const text = [
    '# Real trees through --from-kernel',
    '',
    `Generated by \`npm run trees\` on ${new Date().toISOString().slice(0, 10)}: ${trees.length} trees${files}, ${broken} broken, ${passing} passing every correctness property; seed 1, ${runs} cases per property. ` +
      'Each row is a file copied from the repository and commit it names (the search tool\'s index of public GitHub repositories); none is in this repo. ' +
      'A FAIL row is that tree\'s own verdict, as any variant\'s (README, "Real trees"); "broken" would be the harness failing to take the tree.',
    '',
    '| tree (repository, commit, file) | era read | verdict |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(ROOT, 'bench', 'TREES.md'), text);
  console.log(`${trees.length} trees, ${broken} broken: bench/TREES.md`);
  return broken ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
