// The small readers under the native runner: C masking and top-level definitions (cparse),
// era recognition from signatures (era), and the harness comment of a C variant (header).

import { expectations } from '../model/variant';
import { maskC, paramTypes, topLevel } from '../native/cparse';
import { EraError, eraOfSource, glue } from '../native/era';
import { CVariantFileError, parseHeader } from '../native/header';

describe('cparse', () => {
  test('masks comments and literals, keeping offsets and newlines', () => {
    const src = 'a = "{ /* x */"; /* } */ b = \'}\'; // {\nc';
    const m = maskC(src);
    expect(m.length).toBe(src.length);
    const blank = (n: number) => ' '.repeat(n);
    expect(m).toBe(`a = "${blank(9)}"; ${blank(7)} b = ' '; ${blank(4)}\nc`);
  });

  test('finds functions by brace matching, past initializers, structs and macros with braces', () => {
    const src = [
      'struct s { int a; };',
      '#define M(x) do { if (x) { } } while (0)',
      'static const struct ops o = { .f = g, };',
      '/* static void fake(void) { } */',
      'static int f(struct s *p,',
      '\t     unsigned long n)',
      '{',
      '\tif (n) { return "}"[0]; }',
      '\treturn 0;',
      '}',
      'int g(void) { return f(0, 1); }',
    ].join('\n');
    const t = topLevel(src);
    expect(t.functions.map((f) => [f.name, f.line, paramTypes(f.params)])).toEqual([
      ['f', 5, ['struct s *', 'unsigned long']],
      ['g', 11, ['void']],
    ]);
    expect(t.functions[0].text.endsWith('return 0;\n}')).toBe(true);
    expect(t.macros.map((m) => m.name)).toEqual(['M']);
  });
});

describe('era', () => {
  const pair = (params: string, body = '') =>
    `static void kvm_gmem_invalidate_begin(${params}) { ${body} }\nstatic void kvm_gmem_invalidate_end(${params}) { }\n`;

  /** The per-view helpers an inode-era file's release calls (kvm_gmem_release(), 2025 on). */
  const helpers = (view: string) =>
    `static enum kvm_gfn_range_filter kvm_gmem_get_invalidate_filter(struct inode *inode) { return KVM_FILTER_PRIVATE; }\n` +
    `static void __kvm_gmem_invalidate_begin(struct ${view} *f, pgoff_t start, pgoff_t end, enum kvm_gfn_range_filter attr_filter) { }\n` +
    `static void __kvm_gmem_invalidate_end(struct ${view} *f, pgoff_t start, pgoff_t end) { }\n`;

  test.each([
    ['struct kvm *kvm, struct kvm_gmem *gmem, pgoff_t start, pgoff_t end', '', '', '2023'],
    ['struct kvm_gmem *gmem, pgoff_t start, pgoff_t end', '', '', '6.8'],
    ['struct kvm_gmem *gmem, pgoff_t start, pgoff_t end', 'struct kvm_gfn_range r = { .attr_filter = KVM_FILTER_PRIVATE };', '', '6.14'],
    ['struct inode *inode, pgoff_t start, pgoff_t end', 'struct kvm_gmem *gmem;', helpers('kvm_gmem'), '2025'],
    ['struct inode *inode, pgoff_t start, pgoff_t end', 'struct gmem_file *f;', helpers('gmem_file'), '2026'],
  ])('(%s) %s is %s', (params, body, more, era) => {
    expect(eraOfSource('x.c', more + pair(params, body)).era).toBe(era);
  });

  test('the glue calls the pair with what each era takes, and a release as each era\'s kvm_gmem_release() does', () => {
    const g2023 = glue(eraOfSource('x.c', pair('struct kvm *kvm, struct kvm_gmem *gmem, pgoff_t start, pgoff_t end')));
    expect(g2023).toMatch(/kvm_gmem_invalidate_begin\(harness_view_kvm\(0\), harness_view_gmem\(0\), start, end\)/);
    expect(g2023).toMatch(/harness_call_release_begin\(int view\)\n\{\n\t\(void\)view;\n\tkvm_gmem_invalidate_begin\(harness_view_kvm\(0\), harness_view_gmem\(0\), 0, -1ul\);/);
    const g2026 = glue(eraOfSource('x.c', helpers('gmem_file') + pair('struct inode *inode, pgoff_t start, pgoff_t end', 'struct gmem_file *f;')));
    expect(g2026).toMatch(/kvm_gmem_invalidate_end\(harness_inode, start, end\)/);
    expect(g2026).toMatch(/__kvm_gmem_invalidate_begin\(harness_view_file\(view\), 0, -1ul, kvm_gmem_get_invalidate_filter\(harness_inode\)\);/);
    expect(glue(eraOfSource('x.c', helpers('kvm_gmem') + pair('struct inode *inode, pgoff_t start, pgoff_t end', 'struct kvm_gmem *gmem;'))))
      .toMatch(/__kvm_gmem_invalidate_end\(harness_view_gmem\(view\), 0, -1ul\);/);
  });

  test('an inode-era file without the per-view helpers its release calls is refused, naming them', () => {
    expect(() => eraOfSource('x.c', pair('struct inode *inode, pgoff_t start, pgoff_t end', 'struct gmem_file *f;')))
      .toThrow(/x\.c: no definition of __kvm_gmem_invalidate_begin\(struct gmem_file \*, pgoff_t, pgoff_t, enum kvm_gfn_range_filter\) found: a 2026 file's kvm_gmem_release\(\) closes one view's file/);
    const wrong = helpers('gmem_file').replace(', enum kvm_gfn_range_filter attr_filter', '');
    expect(() => eraOfSource('x.c', wrong + pair('struct inode *inode, pgoff_t start, pgoff_t end', 'struct gmem_file *f;')))
      .toThrow(/__kvm_gmem_invalidate_begin\(struct gmem_file \*, pgoff_t, pgoff_t\) is not __kvm_gmem_invalidate_begin\(struct gmem_file \*, pgoff_t, pgoff_t, enum kvm_gfn_range_filter\)/);
  });

  test('an unknown signature is refused, listing the known ones', () => {
    expect(() => eraOfSource('x.c', pair('struct kvm_gmem *gmem, loff_t offset, loff_t len'))).toThrow(EraError);
    expect(() => eraOfSource('x.c', pair('struct kvm_gmem *gmem, loff_t offset, loff_t len'))).toThrow(/unrecognised signature kvm_gmem_invalidate_begin\(struct kvm_gmem \*, loff_t, loff_t\); known: /);
  });
});

describe('the harness comment', () => {
  test('name, origin and expect, the rest defaulted as expectations() does', () => {
    const h = parseHeader('v/x.c', '/*\n * harness: name=x-c\n *   origin="a tree @abc (6.8)"\n *   expect=no-warn:fail,no-redundant-unmap:pass\n *\n * prose after a blank line\n */');
    expect(h).toEqual({ name: 'x-c', origin: 'a tree @abc (6.8)', expect: expectations({ 'no-warn': 'fail', 'no-redundant-unmap': 'pass' }) });
  });

  test('a file without one is named after itself and expected to pass', () => {
    expect(parseHeader('v/plain.c', 'int x;')).toEqual({ name: 'plain', origin: 'v/plain.c', expect: expectations() });
  });

  test('unknown properties, verdicts and fields are refused with the file named', () => {
    expect(() => parseHeader('v/x.c', '/* harness: expect=no-wrap:fail */')).toThrow(CVariantFileError);
    expect(() => parseHeader('v/x.c', '/* harness: expect=no-wrap:fail */')).toThrow(/^v\/x\.c: unknown property "no-wrap"/);
    expect(() => parseHeader('v/x.c', '/* harness: expect=no-warn:maybe */')).toThrow(/the verdict is pass, fail or report/);
    expect(() => parseHeader('v/x.c', '/* harness: colour=red */')).toThrow(/unknown harness field "colour"/);
  });

  test('a field the harness no longer has (expect-contract=, with the xarray contract mode) is refused by name', () => {
    expect(() => parseHeader('v/x.c', '/* harness: expect-contract=no-warn:fail */')).toThrow(/unknown harness field "expect-contract"/);
    expect(() => parseHeader('v/x.c', '/* harness: expect=xarray-contract-robust:pass */')).toThrow(/unknown property "xarray-contract-robust" in expect=/);
  });
});
