// Which era of guest_memfd a C file's kvm_gmem_invalidate_begin()/_end() come from, told by
// their signatures, and the glue that calls them the way that era's callers do.

import { FunctionDef, paramTypes, topLevel } from './cparse';

/**
 * 2023: guest_mem.c, (struct kvm *, struct kvm_gmem *, start, end).
 * 6.8:  guest_memfd.c, (struct kvm_gmem *, start, end); the caller loops over instances.
 * 6.14: the same, with .attr_filter in the range (dca6c8853232).
 * 2025: (struct inode *, start, end), looping over the kvm_gmem instances on i_private_list.
 * 2026: (struct inode *, start, end), looping over gmem_file instances of the gmem_inode.
 */
export type Era = '2023' | '6.8' | '6.14' | '2025' | '2026';

export interface EraInfo {
  readonly era: Era;
  /** The names of the two functions the harness calls. */
  readonly begin: string;
  readonly end: string;
  /**
   * 2025 on: kvm_gmem_release() closes one view's file and calls the per-view helpers on it,
   * `__kvm_gmem_invalidate_begin(f, 0, -1ul, kvm_gmem_get_invalidate_filter(inode))` and
   * `__kvm_gmem_invalidate_end(f, 0, -1ul)` (KERNEL-FACTS §6); the glue does the same. The view
   * is a struct kvm_gmem (2025) or a struct gmem_file (2026).
   */
  readonly release?: { readonly view: 'kvm_gmem' | 'gmem_file' };
}

/** The file does not hold the two functions, or their signatures are of no known era. */
export class EraError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'EraError';
  }
}

const BEGIN_NAMES = ['kvm_gmem_invalidate_begin', 'kvm_gmem_invalidate_start'];
const END_NAME = 'kvm_gmem_invalidate_end';

const SIGNATURES: ReadonlyArray<readonly [string, string]> = [
  ['struct kvm *, struct kvm_gmem *, pgoff_t, pgoff_t', 'kvm+gmem'],
  ['struct kvm_gmem *, pgoff_t, pgoff_t', 'gmem'],
  ['struct inode *, pgoff_t, pgoff_t', 'inode'],
];

const describe = (f: FunctionDef) => `${f.name}(${paramTypes(f.params).join(', ')})`;

/** The era of the invalidation functions among `functions` (all of the file's, for the hints). */
export function recogniseEra(file: string, functions: readonly FunctionDef[]): EraInfo {
  const begin = functions.find((f) => BEGIN_NAMES.includes(f.name));
  const end = functions.find((f) => f.name === END_NAME);
  if (!begin || !end) {
    const missing = [begin ? null : BEGIN_NAMES.join(' or '), end ? null : END_NAME].filter(Boolean).join(' and ');
    throw new EraError(file, `no definition of ${missing} found`);
  }
  const sig = paramTypes(begin.params).join(', ');
  const shape = SIGNATURES.find(([s]) => s === sig)?.[1];
  if (!shape) {
    throw new EraError(file, `unrecognised signature ${describe(begin)}; known: ${SIGNATURES.map(([s]) => `(${s})`).join(', ')}`);
  }
  if (paramTypes(end.params).join(', ') !== sig) {
    throw new EraError(file, `${describe(end)} does not take what ${describe(begin)} takes`);
  }
  const anyText = functions.map((f) => f.masked).join('\n');
  let era: Era;
  if (shape === 'kvm+gmem') era = '2023';
  else if (shape === 'gmem') era = /\.attr_filter\s*=/.test(anyText) ? '6.14' : '6.8';
  else era = /\bstruct\s+gmem_file\b/.test(anyText) || /\bkvm_gmem_for_each_file\b/.test(anyText) ? '2026' : '2025';
  if (era !== '2025' && era !== '2026') return { era, begin: begin.name, end: end.name };
  return { era, begin: begin.name, end: end.name, release: releaseHelpers(file, era, functions) };
}

const RELEASE_BEGIN = '__kvm_gmem_invalidate_begin';
const RELEASE_END = '__kvm_gmem_invalidate_end';
const RELEASE_FILTER = 'kvm_gmem_get_invalidate_filter';

/** The per-view helpers an inode-era file's release calls, checked for the shape the glue calls them with. */
function releaseHelpers(file: string, era: '2025' | '2026', functions: readonly FunctionDef[]): NonNullable<EraInfo['release']> {
  const view = era === '2026' ? 'gmem_file' : 'kvm_gmem';
  const want: ReadonlyArray<readonly [string, string]> = [
    [RELEASE_BEGIN, `struct ${view} *, pgoff_t, pgoff_t, enum kvm_gfn_range_filter`],
    [RELEASE_END, `struct ${view} *, pgoff_t, pgoff_t`],
    [RELEASE_FILTER, 'struct inode *'],
  ];
  for (const [name, sig] of want) {
    const f = functions.find((x) => x.name === name);
    const why = `a ${era} file's kvm_gmem_release() closes one view's file and calls ${RELEASE_BEGIN}(f, 0, -1ul, ${RELEASE_FILTER}(inode)) ` +
      `and ${RELEASE_END}(f, 0, -1ul) on it, which the harness calls as that era does`;
    if (!f) throw new EraError(file, `no definition of ${name}(${sig}) found: ${why}`);
    if (paramTypes(f.params).join(', ') !== sig) throw new EraError(file, `${describe(f)} is not ${name}(${sig}): ${why}`);
  }
  return { view };
}

/** The era of a whole C file. */
export const eraOfSource = (file: string, src: string): EraInfo => recogniseEra(file, topLevel(src).functions);

/** harness_call_begin/_end and the release's per-view calls for the driver: the variant's functions called with this era's arguments. */
export function glue(info: EraInfo): string {
  const args = info.era === '2023' ? 'harness_view_kvm(0), harness_view_gmem(0)' : info.era === '6.8' || info.era === '6.14' ? 'harness_view_gmem(0)' : 'harness_inode';
  const call = (fn: string, a: string) => [`\t${fn}(${a});`];
  // before 2025 a release calls the pair on the file's one view; from 2025 the per-view helpers on the view it closes
  const release = info.release
    ? { begin: call(RELEASE_BEGIN, `harness_view_${info.release.view === 'gmem_file' ? 'file' : 'gmem'}(view), 0, -1ul, ${RELEASE_FILTER}(harness_inode)`),
        end: call(RELEASE_END, `harness_view_${info.release.view === 'gmem_file' ? 'file' : 'gmem'}(view), 0, -1ul`) }
    : { begin: ['\t(void)view;', ...call(info.begin, `${args}, 0, -1ul`)], end: ['\t(void)view;', ...call(info.end, `${args}, 0, -1ul`)] };
  return [
    `/* harness glue: era ${info.era} */`,
    'void harness_call_begin(pgoff_t start, pgoff_t end)',
    '{',
    `\t${info.begin}(${args}, start, end);`,
    '}',
    '',
    'void harness_call_end(pgoff_t start, pgoff_t end)',
    '{',
    `\t${info.end}(${args}, start, end);`,
    '}',
    '',
    'void harness_call_release_begin(int view)',
    '{',
    ...release.begin,
    '}',
    '',
    'void harness_call_release_end(int view)',
    '{',
    ...release.end,
    '}',
    '',
  ].join('\n');
}
