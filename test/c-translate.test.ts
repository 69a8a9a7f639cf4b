// The C translator (prover/c/): every shipped C variant and every fixture tree translates, and its
// translation, run by the engine, makes the same KVM calls, walks and faults as the compiled C on
// generated cases; C's arithmetic is gcc's on random expressions; a wrong translation is caught;
// what the subset leaves out is refused at its line; a C file proves like its TypeScript twin.
// (npm run c-translate runs the same comparisons at thousands of cases, and every proof.)

import fs from 'fs';
import os from 'os';
import path from 'path';
import { CVariant, loadCVariant, loadKernelVariant } from '../native/cvariant';
import { arithmeticDifferential } from '../prover/c/arith';
import { casesFor, differential } from '../prover/c/differential';
import { loadPlain } from '../prover/c/load';
import { proveC } from '../prover/c/prove';
import { translateCFile, translateTree } from '../prover/c/translate';
import { SMALL_BOUND } from '../prover/shapes';
import { Solver } from '../prover/solver';
import { parseProveArgs, replayCounterexample } from '../properties/command/prove';
import { seed } from './native-helpers';

const ROOT = path.join(__dirname, '..');
const C_FILES = fs.readdirSync(path.join(ROOT, 'variants', 'c')).filter((f) => f.endsWith('.c')).map((f) => path.join('variants', 'c', f));
const TREES = fs.readdirSync(path.join(ROOT, 'test', 'fixtures')).filter((d) => /^(linux|mutant)-/.test(d)).map((d) => path.join('test', 'fixtures', d));
const IDIOM = path.join('test', 'fixtures', 'c-translate', 'unsigned-idiom.c');
const CASES = 150;

const compiled = new Map<string, CVariant>();
const cOf = (file: string, tree: boolean) => {
  if (!compiled.has(file)) compiled.set(file, tree ? loadKernelVariant(path.join(ROOT, file)) : loadCVariant(path.join(ROOT, file)));
  return compiled.get(file)!;
};
afterAll(() => { for (const c of compiled.values()) c.runner.close(); });

// the files of one era share their cases (drawing them costs more than running them)
const drawn = new Map<string, ReturnType<typeof casesFor>>();
const casesOf = (v: Parameters<typeof casesFor>[0]) => {
  const key = JSON.stringify([v.vmTypes, v.takes, v.zap !== undefined]);
  if (!drawn.has(key)) drawn.set(key, casesFor(v, CASES, seed));
  return drawn.get(key)!;
};

const compare = (file: string, tree: boolean, mutate: (source: string) => string = (s) => s) => {
  const t = tree ? translateTree(path.join(ROOT, file)) : translateCFile(path.join(ROOT, file));
  const v = loadPlain({ ...t, source: mutate(t.source) });
  return { t, r: differential(v, (cs) => cOf(file, tree).runner.runMany(cs), casesOf(v)) };
};

describe.each([...C_FILES.map((f) => [f, false] as const), [IDIOM, false] as const, ...TREES.map((d) => [d, true] as const)])('%s', (file, tree) => {
  test(`its translation makes the compiled C's calls on ${CASES}+ generated cases (FC_SEED=${seed})`, () => {
    const { t, r } = compare(file, tree);
    const c = cOf(file, tree);
    expect([t.variant.name, t.variant.vmTypes, t.variant.takes]).toEqual([c.name, c.vmTypes, c.takes]);
    expect(t.variant.expect).toEqual(c.expect);
    expect(r.differences.slice(0, 1)).toEqual([]);
    expect(r.invalidations).toBeGreaterThan(CASES * 0.75); // the comparison is not vacuous
  });
});

describe('a wrong translation is caught', () => {
  test('a dropped ul(): the unsigned idiom start - pgoff < npages no longer wraps', () => {
    const { r } = compare(IDIOM, false, (s) => {
      expect(s).toContain('k.ul(start - pgoff)');
      return s.split('k.ul(start - pgoff)').join('(start - pgoff)');
    });
    expect(r.differences.length).toBeGreaterThan(10);
  });

  test('flush |= unmap() evaluated as flush || unmap(): the unmaps after the first are skipped', () => {
    const { r } = compare('variants/c/upstream.c', false, (s) => s.replace('flush = k.kvm_mmu_unmap_gfn_range(kvm, gfn_range) || flush', 'flush = flush || k.kvm_mmu_unmap_gfn_range(kvm, gfn_range)'));
    expect(r.differences.length).toBeGreaterThan(10);
  });

  test('the wrong translations hold their differences to the C, not to each other: the unmutated one has none', () => {
    expect(compare(IDIOM, false).r.differences).toEqual([]);
  });
});

test('C\'s arithmetic: 120 random expressions over the body\'s integer types give gcc\'s values on 20 inputs each; with ul() dropped they do not', () => {
  const r = arithmeticDifferential(120, 13, seed);
  expect(r.expressions * r.inputs).toBeGreaterThanOrEqual(2400);
  expect(r.mismatches.slice(0, 3)).toEqual([]);
  const broken = arithmeticDifferential(120, 13, seed, (s) => s.split('k.ul(').join('('));
  expect(broken.mismatches.length).toBeGreaterThan(50);
});

describe('what the subset leaves out is refused at its line, never guessed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-translate-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const body = fs.readFileSync(path.join(ROOT, 'variants', 'c', 'upstream.c'), 'utf8');
  const refusal = (edit: (src: string) => string): string => {
    const file = path.join(dir, `v${fs.readdirSync(dir).length}.c`);
    fs.writeFileSync(file, edit(body));
    try {
      translateCFile(file);
    } catch (e) {
      return (e as Error).message.replace(`${path.relative(process.cwd(), file)}:`, 'FILE:');
    }
    return 'translated';
  };
  const inLoop = (line: string) => (src: string) => src.replace('\t\tpgoff_t pgoff = slot->gmem.pgoff;\n', `\t\tpgoff_t pgoff = slot->gmem.pgoff;\n${line}\n`);
  /** The 1-based line of upstream.c where `text` begins, plus `after`. */
  const lineOf = (text: string, after = 0) => body.slice(0, body.indexOf(text)).split('\n').length + after;
  const IN_LOOP = lineOf('\t\tpgoff_t pgoff = slot->gmem.pgoff;', 1), WALK = lineOf('\txa_for_each_range('), FLUSH = lineOf('\tif (flush)\n');

  test.each([
    ['a lock the model has no counterpart for', inLoop('\t\tspin_lock(&kvm->invalidate_lock);'), new RegExp(`FILE:${IN_LOOP}: spin_lock\\(\\): neither a function of the file nor a kernel call`)],
    ['a field the model does not give', inLoop('\t\tif (slot->id) continue;'), new RegExp(`FILE:${IN_LOOP}: the field id of struct kvm_memory_slot`)],
    ['a shift by a variable amount', inLoop('\t\tpgoff = pgoff << start;'), new RegExp(`FILE:${IN_LOOP}: a shift by a variable amount`)],
    ['switch', inLoop('\t\tswitch (pgoff) { default: break; }'), new RegExp(`FILE:${IN_LOOP}: switch`)],
    ['goto', inLoop('\t\tgoto out;'), new RegExp(`FILE:${IN_LOOP}: goto`)],
    ['a type the shim lacks', inLoop('\t\tuint64_t x = 0;'), new RegExp(`FILE:${IN_LOOP}: the type uint64_t, which the shim does not define`)],
    ['the loop\'s entry read after the loop', (s: string) => s.replace('\tif (flush)\n', '\tif (slot)\n\t\tflush = true;\n\tif (flush)\n'), new RegExp(`FILE:${FLUSH}: slot read after .*:${WALK} wrote it`)],
    ['xa_find()\'s index read after it', (s: string) => s.replace('\t\tKVM_MMU_LOCK(kvm);\n\t\tkvm_mmu_invalidate_end', '\t\tif (start)\n\t\t\treturn;\n\t\tKVM_MMU_LOCK(kvm);\n\t\tkvm_mmu_invalidate_end'), /FILE:5\d: start read after/],
  ])('%s', (_, edit, want) => {
    expect(refusal(edit)).toMatch(want);
  });

  test('and the unedited file translates', () => {
    expect(refusal((s) => s)).toBe('translated');
  });

  test('a function the tree defines twice, differently, under #if: the preprocessor\'s choice is not guessed', () => {
    // 6.8's kvm_gmem_invalidate_begin() (lines 52 to 85), again under #else with an off-by-one
    const lines = fs.readFileSync(path.join(ROOT, 'test/fixtures/linux-6.8/virt/kvm/guest_memfd.c'), 'utf8').split('\n');
    const def = lines.slice(51, 85).join('\n');
    const file = path.join(dir, 'guest_memfd.c');
    fs.writeFileSync(file, [...lines.slice(0, 51), '#ifdef CONFIG_OTHER', def, '#else', def.replace(/(\.end\s*=[^;]*)- pgoff/, '$1- pgoff - 1'), '#endif', ...lines.slice(85)].join('\n'));
    expect(() => translateTree(file)).toThrow(/defines kvm_gmem_invalidate_begin 2 times, differently \(lines 53, 88\), and the harness does not evaluate #if/);
  });
});

test('npm run prove and check --prove take C files and --from-kernel trees', () => {
  const a = parseProveArgs(['--prove', 'variants/c/upstream.c', '--from-kernel', 'tree-a', '--from-kernel', 'tree-b']);
  expect([a.targets, a.fromKernel]).toEqual([['variants/c/upstream.c'], ['tree-a', 'tree-b']]);
});

describe('a C file proves as its TypeScript twin does (punches of a one-slot file, one xarray chunk)', () => {
  const solver = new Solver();
  afterAll(() => solver.close());
  // one slot of one xarray chunk: the least bound that still has a path per overlap (npm test's time)
  const punchOnly = { solver, bound: { ...SMALL_BOUND, views: 1, chunks: 1 }, shapeFilter: (s: { op: string }) => s.op === 'punch' };

  test('upstream.c proves no-collateral-unmap', async () => {
    const c = await proveC({ file: path.join(ROOT, 'variants/c/upstream.c'), tree: false }, { ...punchOnly, properties: ['no-collateral-unmap'] });
    expect(c.proof.results.map((p) => p.status)).toEqual(['proved']);
    expect(c.proof.variant).toBe('upstream-c');
    expect(c.proof.paths).toBeGreaterThan(1);
  }, 120_000);

  test('mutant-6.8-end-no-pgoff gets a counterexample, replayed on the compiled C', async () => {
    const tree = path.join(ROOT, 'test/fixtures/mutant-6.8-end-no-pgoff');
    const c = await proveC({ file: tree, tree: true }, { ...punchOnly, properties: ['ranges-well-formed'] });
    const [p] = c.proof.results;
    expect(p.status).toBe('counterexample');
    const cv = cOf('test/fixtures/mutant-6.8-end-no-pgoff', true);
    const rep = replayCounterexample(c.proof.file, p, undefined, { variant: cv, run: (x) => cv.runner.run(x) });
    expect(rep.outcome).toBe('confirmed');
    expect(rep.violations.join()).toMatch(/leaves the slot/);
  }, 120_000);

  test('a refused construct makes every verdict unknown, naming the C line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-prove-'));
    try {
      const file = path.join(dir, 'refused.c');
      fs.writeFileSync(file, fs.readFileSync(path.join(ROOT, 'variants/c/upstream.c'), 'utf8').replace('\tif (flush)\n', '\tspin_lock(&kvm->invalidate_lock);\n\tif (flush)\n'));
      const c = await proveC({ file, tree: false }, { ...punchOnly, properties: ['no-stale-mapping', 'no-warn'] });
      const FLUSH = fs.readFileSync(path.join(ROOT, 'variants/c/upstream.c'), 'utf8').split('\tif (flush)\n')[0].split('\n').length;
      expect(c.proof.variant).toBe('upstream-c');
      expect(c.proof.results.map((p) => p.status)).toEqual(['unknown', 'unknown']);
      expect(c.proof.results[0].reason).toMatch(new RegExp(`unsupported construct at .*refused\\.c:${FLUSH}: spin_lock\\(\\)`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
