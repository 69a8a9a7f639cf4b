// --from-kernel on kernel-style fixture trees written for these tests: the invalidation
// functions (and only what they use) are taken out by brace matching, their era told from the
// signatures, compiled unmodified under the shim, and judged like any variant.

import fs from 'fs';
import os from 'os';
import path from 'path';
import { Variant, expectations } from '../model/variant';
import { execute } from '../properties/engine/execute';
import { CVariant, loadKernelVariant } from '../native/cvariant';
import { EraError } from '../native/era';
import { ExtractError, extractInvalidation } from '../native/extract';
import { requestLine } from '../native/replay';
import { SyncChild } from '../properties/isolation/sync-child';
import { materialize } from '../properties/case';
import buggy from '../variants/buggy';
import upstream from '../variants/upstream';
import { expectSameOutcome, observable, sampleCases, seed } from './native-helpers';
import { checkProperty } from '../properties/engine/engine';
import { IsolatedRunner } from '../properties/isolation/isolated';
import { property } from '../properties/properties';

const opened: CVariant[] = [];
const load = (p: string) => { const v = loadKernelVariant(p); opened.push(v); return v; };
afterAll(() => opened.forEach((v) => v.runner.close()));

const cases = sampleCases(200, 1);
const sameAs = (v: CVariant, twin: Variant) => {
  v.runner.prefetch(cases); // in batches, not a round trip per case
  for (const c of cases) expectSameOutcome(observable(v.runner.run(c)), observable(execute(twin, c)));
};

describe('a 6.8-era tree', () => {
  test('gives exactly the two functions, with the 6.8 signatures, and its kvm_gmem_bind()', () => {
    const x = extractInvalidation('test/fixtures/linux-6.8');
    expect(x.file).toBe('test/fixtures/linux-6.8/virt/kvm/guest_memfd.c');
    expect(x.era).toEqual({ era: '6.8', begin: 'kvm_gmem_invalidate_begin', end: 'kvm_gmem_invalidate_end', bind: { era: '6.8' } });
    expect(x.taken).toEqual(['kvm_gmem_invalidate_begin', 'kvm_gmem_invalidate_end', 'kvm_gmem_bind']);
    // the unit holds the file's text as it is, under #line directives pointing into the file
    expect(x.unit).toMatch(/#line 52 "test\/fixtures\/linux-6\.8\/virt\/kvm\/guest_memfd\.c"\nstatic void kvm_gmem_invalidate_begin\(struct kvm_gmem \*gmem, pgoff_t start,\n\t\t\t\t      pgoff_t end\)\n\{/);
    expect(x.unit).not.toMatch(/kvm_gmem_get_folio|kvm_gmem_fops = |gmem_for_each_instance/);
  });

  test(`compiles without warnings and is judged as upstream (FC_SEED=${seed})`, () => {
    const v = load('test/fixtures/linux-6.8');
    expect([v.name, v.warnings, v.expect]).toEqual([expect.stringMatching(/^kernel-6\.8-[0-9a-f]{8}$/), '', expectations()]);
    sameAs(v, upstream);
  });
});

describe('a 2026-era guest_memfd.c', () => {
  const file = 'test/fixtures/linux-2026/virt/kvm/guest_memfd.c';

  test('gives the inode-taking pair with the helpers and macros they use, nothing else', () => {
    const x = extractInvalidation(file);
    expect(x.era.era).toBe('2026');
    expect(x.taken).toEqual([
      'GMEM_I', 'kvm_gmem_for_each_file', 'kvm_gmem_get_invalidate_filter',
      '__kvm_gmem_invalidate_begin', 'kvm_gmem_invalidate_begin', '__kvm_gmem_invalidate_end', 'kvm_gmem_invalidate_end',
    ]);
  });

  test(`compiles without warnings and is judged as upstream (FC_SEED=${seed})`, () => {
    const v = load(file);
    expect([v.name, v.warnings]).toEqual([expect.stringMatching(/^kernel-2026-[0-9a-f]{8}$/), '']);
    sameAs(v, upstream);
  });

  test('each unmap carries the filter kvm_gmem_get_invalidate_filter() chose: KVM_FILTER_PRIVATE', () => {
    const v = load(file);
    const layout = materialize({ filePages: 8n, slots: [{ id: 0, pgoff: 0n, npages: 8n, base_gfn: 100n }] });
    const child = new SyncChild({ command: v.binary, onOutput: () => undefined });
    try {
      const [reply] = child.exchange([requestLine(0, layout, 2n, 4n)], { limitMs: 2000, blockedMs: 8000 });
      expect(reply.lines).toContain('mmu_unmap 0 102 104 1 2');
    } finally {
      child.close();
    }
  });
});

describe('kvm_gmem_bind() of a tree, judged by bind-within-file in its era', () => {
  const bindOpts = { seed, numRuns: 300, xarray: 'faithful' as const };
  const judge = (tree: string, at = seed) => {
    const v = load(tree);
    return checkProperty(v, property('bind-within-file'), { ...bindOpts, seed: at, isolated: new IsolatedRunner(v.runner) });
  };

  test('a 7.2 tree: its bind, the helper it calls and the 7.2 errnos are taken, and it passes', () => {
    const x = extractInvalidation('test/fixtures/linux-7.2');
    expect(x.era.bind).toEqual({ era: '7.2' });
    expect(x.taken).toEqual(expect.arrayContaining(['GMEM_I', 'kvm_gmem_supports_mmap', 'kvm_gmem_bind']));
    const v = load('test/fixtures/linux-7.2');
    expect([v.warnings, v.bindEra]).toEqual(['', '7.2']);
    expect(judge('test/fixtures/linux-7.2')).toMatchObject({ actual: 'pass', matches: true });
  });

  test(`a 6.8 tree fails it as upstream does, on the binding past the end of the file, shrunk to upstream's overflow (FC_SEED=${seed})`, () => {
    const v = judge('test/fixtures/linux-6.8');
    expect([v.actual, v.matches, v.confirmation]).toEqual(['fail', false, 'reproduced']);
    expect(v.violations![0]).toMatch(/past the end of the file/);
    const c = v.counterexample!.case.op;
    expect(c.kind === 'bind' && [c.guest_memfd_offset, c.memory_size]).toEqual([(1n << 63n) - 4096n, 4096n]);
  });

  test('a 2026 tree without a kvm_gmem_bind() is not judged there, and its origin does not claim one', () => {
    const v = load('test/fixtures/linux-2026');
    expect(v.bind).toBeUndefined();
    expect(checkProperty(v, property('bind-within-file'), { ...bindOpts, isolated: new IsolatedRunner(v.runner) })).toMatchObject({ actual: 'not-judged', numRuns: 0 });
  });
});

describe('a 2023-era tree (guest_mem.c)', () => {
  test(`is found, recognised, and fails as buggy does (FC_SEED=${seed})`, () => {
    const v = load('test/fixtures/linux-2023');
    expect([v.name, v.era.era, v.file]).toEqual([expect.stringMatching(/^kernel-2023-[0-9a-f]{8}$/), '2023', 'test/fixtures/linux-2023/virt/kvm/guest_mem.c']);
    sameAs(v, buggy);
  });
});

describe('what extraction refuses', () => {
  test('a folder that is not a kernel tree', () => {
    expect(() => extractInvalidation('test/fixtures/c')).toThrow(ExtractError);
    expect(() => extractInvalidation('test/fixtures/c')).toThrow(/is a folder without virt\/kvm\/guest_memfd\.c or virt\/kvm\/guest_mem\.c/);
  });

  // the harness does not evaluate #if: of two different definitions it cannot tell the compiled one
  describe('a function or macro it takes, defined twice under #if', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmem-twice-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    /** The fixture's file with `name`'s definition (lines from..to, 1-based) written again, changed by `edit`, under #ifdef/#else. */
    const twice = (fixture: string, from: number, to: number, edit: (def: string) => string) => {
      const lines = fs.readFileSync(`test/fixtures/${fixture}/virt/kvm/guest_memfd.c`, 'utf8').split('\n');
      const def = lines.slice(from - 1, to).join('\n');
      const file = path.join(dir, `${fixture}-${from}-${fs.readdirSync(dir).length}.c`);
      fs.writeFileSync(file, [...lines.slice(0, from - 1), '#ifdef CONFIG_OTHER', def, '#else', edit(def), '#endif', ...lines.slice(to)].join('\n'));
      return file;
    };

    test('differently: refused, naming the function and its lines', () => {
      // 6.8's kvm_gmem_invalidate_begin() is lines 52 to 85; the #else copy has the off-by-one a user tried
      const file = twice('linux-6.8', 52, 85, (def) => def.replace(/(\.end\s*=[^;]*)- pgoff/, '$1- pgoff - 1'));
      expect(fs.readFileSync(file, 'utf8')).toMatch(/- pgoff - 1/);
      expect(() => extractInvalidation(file)).toThrow(ExtractError);
      expect(() => extractInvalidation(file)).toThrow(/defines kvm_gmem_invalidate_begin 2 times, differently \(lines 53, 88\), and the harness does not evaluate #if/);
    });

    test('a macro it takes, differently: refused too', () => {
      const file = twice('linux-2026', 39, 40, (def) => def.replace('gmem_file_list', 'other_list'));
      expect(() => extractInvalidation(file)).toThrow(/defines kvm_gmem_for_each_file 2 times, differently \(lines 40, 43\)/);
    });

    test('a function under #ifdef and a macro of its name under #else: refused too', () => {
      // 7.2's kvm_gmem_supports_mmap() (lines 201 to 204), which its kvm_gmem_bind() calls
      const file = twice('linux-7.2', 201, 204, () => '#define kvm_gmem_supports_mmap(inode) true');
      expect(() => extractInvalidation(file)).toThrow(/defines kvm_gmem_supports_mmap 2 times, differently \(lines 202, 207\)/);
    });

    test('the same but for spacing: one definition, taken', () => {
      const file = twice('linux-6.8', 52, 85, (def) => def.replace(/\t/g, '        '));
      expect(extractInvalidation(file).taken).toEqual(['kvm_gmem_invalidate_begin', 'kvm_gmem_invalidate_end', 'kvm_gmem_bind']);
    });
  });

  // the one conditional the harness can answer: a literal 0 or 1
  describe('a function it takes, defined only where #if 0 (or the branch after #if 1) leaves it out', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gmem-dead-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    /** 6.8's file with kvm_gmem_invalidate_begin() (lines 52 to 85) wrapped in the lines given. */
    const wrapped = (before: string[], after: string[]) => {
      const lines = fs.readFileSync('test/fixtures/linux-6.8/virt/kvm/guest_memfd.c', 'utf8').split('\n');
      const file = path.join(dir, `wrapped-${fs.readdirSync(dir).length}.c`);
      fs.writeFileSync(file, [...lines.slice(0, 51), ...before, ...lines.slice(51, 85), ...after, ...lines.slice(85)].join('\n'));
      return file;
    };

    test.each([
      ['#if 0', ['#if 0'], ['#endif'], 52],
      ['#if 0 with a conditional inside', ['#if 0', '#ifdef CONFIG_X', '#endif'], ['#endif'], 52],
      ['#else of #if 1', ['#if 1', '#else'], ['#endif'], 53],
      ['#elif 0', ['#ifdef CONFIG_X', '#elif 0'], ['#endif'], 53],
    ])('%s: refused, naming the function and the branch', (_, before, after, line) => {
      expect(() => extractInvalidation(wrapped(before, after))).toThrow(new RegExp(`defines kvm_gmem_invalidate_begin \\(line \\d+\\) only in the branch of line ${line}, which is never built .* the kernel never compiles it`));
    });

    test.each([
      ['#if 1', ['#if 1'], ['#endif']],
      ['#else of #if 0', ['#if 0', '#else'], ['#endif']],
      ['#ifdef (not the harness\'s to answer)', ['#ifdef CONFIG_X'], ['#endif']],
      ['#if 0 in a comment', ['/*', '#if 0', '*/'], []],
      ['#if 0 closed before it', ['#if 0', '#endif'], []],
    ])('%s: taken', (_, before, after) => {
      expect(extractInvalidation(wrapped(before, after)).taken).toContain('kvm_gmem_invalidate_begin');
    });
  });

  test('a file without the functions', () => {
    expect(() => extractInvalidation('native/driver.c')).toThrow(EraError);
    expect(() => extractInvalidation('native/driver.c')).toThrow(/no definition of kvm_gmem_invalidate_begin or kvm_gmem_invalidate_start and kvm_gmem_invalidate_end/);
  });
});
