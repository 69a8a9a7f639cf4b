// Which era of guest_memfd a C file's kvm_gmem_invalidate_begin()/_end() come from, told by
// their signatures, and the glue that calls them the way that era's callers do.

import { BindEra } from '../model/rules';
import { FunctionDef, MacroDef, paramTypes, topLevel } from './cparse';

/**
 * 2023: guest_mem.c, (struct kvm *, struct kvm_gmem *, start, end).
 * 6.8:  guest_memfd.c, (struct kvm_gmem *, start, end); the caller loops over instances.
 * 6.14: the same, with .attr_filter in the range (dca6c8853232).
 * 2025: (struct inode *, start, end), looping over the kvm_gmem instances on i_private_list.
 * 2026: (struct inode *, start, end), looping over gmem_file instances of the gmem_inode.
 * split: the 2026 shape split in three, kvm_gmem_zap(struct inode *, start, end) between begin
 *        (which only adds ranges) and end: the in-place conversion series (KERNEL-FACTS §6).
 */
export type Era = '2023' | '6.8' | '6.14' | '2025' | '2026' | 'split';

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
  readonly release?: { readonly view: 'kvm_gmem' | 'gmem_file'; readonly begin: string; readonly zap?: string };
  /** The split era's inode-wide zap, called between begin and end. */
  readonly zap?: string;
  /** The list the file's kvm_gmem_for_each_file() walks, when it walks gmem_files (2026, split). */
  readonly filesOn?: 'gmem_file_list' | 'i_private_list';
  /**
   * Its kvm_gmem_bind(), when it has one of a known shape (judged by bind-within-file): the era of
   * its errnos, '7.2' when it returns -EEXIST (7ea987a90585), else '6.8'. Absent: not judged.
   */
  readonly bind?: { readonly era: BindEra };
  /** Why a kvm_gmem_bind() the file has is not taken: its shape is of no known era. */
  readonly bindSkipped?: string;
}

/** The file does not hold the two functions, or their signatures are of no known era. */
export class EraError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'EraError';
  }
}

const BEGIN_NAMES = ['kvm_gmem_invalidate_begin', 'kvm_gmem_invalidate_start'];
/**
 * The HugeTLB RFC v2 trees (2025) keep kvm_gmem_invalidate_begin() for their conversions, where
 * it only adds ranges, and give punch, release and memory failure kvm_gmem_invalidate_begin_and_zap():
 * when a file has it, that is the begin its callers call.
 */
const BEGIN_AND_ZAP = 'kvm_gmem_invalidate_begin_and_zap';
const END_NAME = 'kvm_gmem_invalidate_end';

const SIGNATURES: ReadonlyArray<readonly [string, string]> = [
  ['struct kvm *, struct kvm_gmem *, pgoff_t, pgoff_t', 'kvm+gmem'],
  ['struct kvm_gmem *, pgoff_t, pgoff_t', 'gmem'],
  ['struct inode *, pgoff_t, pgoff_t', 'inode'],
];

const describe = (f: FunctionDef) => `${f.name}(${paramTypes(f.params).join(', ')})`;

const BIND = 'kvm_gmem_bind';
/** The offset kvm_gmem_bind() takes: a loff_t to 7.1, unsigned from 7.2 (uoff_t; u64, size_t and pgoff_t in its postings). */
const BIND_OFFSET_TYPES = ['loff_t', 'uoff_t', 'u64', 'pgoff_t', 'size_t', 'unsigned long'];

/**
 * The file's kvm_gmem_bind(kvm, slot, fd, offset), of an era from 6.8 on (the harness hands it
 * the first view's file), or why it is not taken; nothing when the file has none.
 */
function recogniseBind(era: Era, functions: readonly FunctionDef[]): Pick<EraInfo, 'bind' | 'bindSkipped'> {
  const f = functions.find((x) => x.name === BIND);
  if (!f) return {};
  const types = paramTypes(f.params);
  const shape = types.length === 4 && types[0] === 'struct kvm *' && types[1] === 'struct kvm_memory_slot *' && types[2] === 'unsigned int' && BIND_OFFSET_TYPES.includes(types[3]);
  if (!shape) return { bindSkipped: `${describe(f)} is not ${BIND}(struct kvm *, struct kvm_memory_slot *, unsigned int, loff_t or an unsigned offset)` };
  if (era === '2023') return { bindSkipped: `${BIND}() of the 2023 era (guest_mem.c) is not judged: the harness gives a file of 6.8 on` };
  return { bind: { era: /-\s*EEXIST\b/.test(f.masked) ? '7.2' : '6.8' } };
}

/** The era of the invalidation functions among `functions` (all of the file's, for the hints). */
export function recogniseEra(file: string, functions: readonly FunctionDef[], macros: readonly MacroDef[] = []): EraInfo {
  const info = recogniseInvalidation(file, functions, macros);
  return { ...info, ...recogniseBind(info.era, functions) };
}

function recogniseInvalidation(file: string, functions: readonly FunctionDef[], macros: readonly MacroDef[]): EraInfo {
  const begin = functions.find((f) => f.name === BEGIN_AND_ZAP) ?? functions.find((f) => BEGIN_NAMES.includes(f.name));
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
  const zap = functions.find((f) => f.name === ZAP_NAME);
  if (zap && era !== '2026') {
    throw new EraError(file, `${describe(zap)} splits the invalidation, as the in-place conversion series does, but ${describe(begin)} is of era ${era}: the split era known is the 2026 shape (struct gmem_file views)`);
  }
  if (zap && era === '2026') {
    if (paramTypes(zap.params).join(', ') !== sig) throw new EraError(file, `${describe(zap)} does not take what ${describe(begin)} takes`);
    era = 'split';
  }
  if (era !== '2025' && era !== '2026' && era !== 'split') return { era, begin: begin.name, end: end.name };
  // the list kvm_gmem_for_each_file() walks: the gmem_inode's (2026 tip) or the mapping's (the series)
  const each = macros.find((m) => m.name === 'kvm_gmem_for_each_file');
  const filesOn = era === '2025' ? undefined : each && /\bi_private_list\b/.test(each.text) ? 'i_private_list' : 'gmem_file_list';
  return {
    era, begin: begin.name, end: end.name, release: releaseHelpers(file, era, functions),
    ...(era === 'split' ? { zap: ZAP_NAME } : {}), ...(filesOn ? { filesOn } : {}),
  };
}

const ZAP_NAME = 'kvm_gmem_zap';

/** The per-view begin: 2026 trees that rename begin to start rename it too. */
const RELEASE_BEGINS = ['__kvm_gmem_invalidate_begin', '__kvm_gmem_invalidate_start'];
const RELEASE_BEGIN = RELEASE_BEGINS[0];
const RELEASE_END = '__kvm_gmem_invalidate_end';
const RELEASE_FILTER = 'kvm_gmem_get_invalidate_filter';

/** The per-view helpers an inode-era file's release calls, checked for the shape the glue calls them with. */
function releaseHelpers(file: string, era: '2025' | '2026' | 'split', functions: readonly FunctionDef[]): NonNullable<EraInfo['release']> {
  const view = era === '2025' ? 'kvm_gmem' : 'gmem_file';
  const begin = RELEASE_BEGINS.find((n) => functions.some((f) => f.name === n)) ?? RELEASE_BEGIN;
  // the split era's begin only adds ranges, and takes no filter; its zap does
  const want: ReadonlyArray<readonly [string, string]> = [
    [begin, era === 'split' ? `struct ${view} *, pgoff_t, pgoff_t` : `struct ${view} *, pgoff_t, pgoff_t, enum kvm_gfn_range_filter`],
    ...(era === 'split' ? [[RELEASE_ZAP, `struct ${view} *, pgoff_t, pgoff_t, enum kvm_gfn_range_filter`] as const] : []),
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
  return { view, begin, ...(era === 'split' ? { zap: RELEASE_ZAP } : {}) };
}

const RELEASE_ZAP = '__kvm_gmem_zap';

/** The era of a whole C file. */
export const eraOfSource = (file: string, src: string): EraInfo => {
  const { functions, macros } = topLevel(src);
  return recogniseEra(file, functions, macros);
};

/** harness_call_begin/_zap/_end and the release's per-view calls for the driver: the variant's functions called with this era's arguments. */
export function glue(info: EraInfo): string {
  const args = info.era === '2023' ? 'harness_view_kvm(0), harness_view_gmem(0)' : info.era === '6.8' || info.era === '6.14' ? 'harness_view_gmem(0)' : 'harness_inode';
  const call = (fn: string, a: string) => [`\t${fn}(${a});`];
  const r = info.release;
  const f = r ? `harness_view_${r.view === 'gmem_file' ? 'file' : 'gmem'}(view)` : '';
  const filter = `${RELEASE_FILTER}(harness_inode)`;
  // before 2025 a release calls the pair on the file's one view; from 2025 the per-view helpers on the view it closes
  const release = r
    ? {
        begin: call(r.begin, info.era === 'split' ? `${f}, 0, -1ul` : `${f}, 0, -1ul, ${filter}`),
        zap: r.zap ? call(r.zap, `${f}, 0, -1ul, ${filter}`) : ['\t(void)view;'],
        end: call(RELEASE_END, `${f}, 0, -1ul`),
      }
    : { begin: ['\t(void)view;', ...call(info.begin, `${args}, 0, -1ul`)], zap: ['\t(void)view;'], end: ['\t(void)view;', ...call(info.end, `${args}, 0, -1ul`)] };
  // the file kvm_gmem_bind() is given is the first view's: a struct gmem_file from 2026, a struct kvm_gmem before
  const bindView = info.era === '2026' || info.era === 'split' ? 'harness_view_file(0)' : 'harness_view_gmem(0)';
  const bind = info.bind
    ? ['\tharness_gmem_file.private_data = ' + bindView + ';', `\treturn ${BIND}(harness_view_kvm(0), slot, HARNESS_GMEM_FD, offset);`]
    : ['\t(void)slot;', '\t(void)offset;', '\treturn 0;'];
  return [
    `/* harness glue: era ${info.era}${info.bind ? `, kvm_gmem_bind() of the ${info.bind.era} errnos` : ''} */`,
    `const int harness_era_zaps = ${info.zap ? 1 : 0};`,
    `const int harness_files_on_i_private_list = ${info.filesOn === 'i_private_list' ? 1 : 0};`,
    `const int harness_has_bind = ${info.bind ? 1 : 0};`,
    '',
    'int harness_call_bind(struct kvm_memory_slot *slot, u64 offset)',
    '{',
    ...bind,
    '}',
    '',
    'void harness_call_begin(pgoff_t start, pgoff_t end)',
    '{',
    `\t${info.begin}(${args}, start, end);`,
    '}',
    '',
    'void harness_call_zap(pgoff_t start, pgoff_t end)',
    '{',
    ...(info.zap ? [`\t${info.zap}(${args}, start, end);`] : ['\t(void)start;', '\t(void)end;']),
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
    'void harness_call_release_zap(int view)',
    '{',
    ...release.zap,
    '}',
    '',
    'void harness_call_release_end(int view)',
    '{',
    ...release.end,
    '}',
    '',
  ].join('\n');
}
