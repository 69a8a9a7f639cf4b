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
  return { era, begin: begin.name, end: end.name };
}

/** The era of a whole C file. */
export const eraOfSource = (file: string, src: string): EraInfo => recogniseEra(file, topLevel(src).functions);

/** harness_call_begin/_end for the driver: the variant's functions called with this era's arguments. */
export function glue(info: EraInfo): string {
  const args = info.era === '2023' ? '&harness_kvm, &harness_gmem' : info.era === '6.8' || info.era === '6.14' ? '&harness_gmem' : 'harness_inode';
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
  ].join('\n');
}
