// The C types of the translated subset, as gcc on x86-64 has them (LP64: int 32 bits, long and
// long long 64), the shim's typedefs (read from native/include/kvm_gmem_shim.h itself), the struct
// fields the model gives a variant, and C's usual arithmetic conversions (C11 6.3.1), which decide
// where a translated expression must wrap.

import fs from 'fs';
import path from 'path';

/** An integer type: its C name (types of one name are compatible), width, signedness, conversion rank. */
export interface IntType { readonly k: 'int'; readonly name: string; readonly bits: number; readonly signed: boolean; readonly rank: number }
export type CType =
  | IntType
  | { readonly k: 'bool' }
  | { readonly k: 'void' }
  | { readonly k: 'struct'; readonly name: string }
  | { readonly k: 'ptr'; readonly to: CType };

const int = (name: string, bits: number, signed: boolean, rank: number): IntType => ({ k: 'int', name, bits, signed, rank });
export const T = {
  char: int('char', 8, true, 1), schar: int('signed char', 8, true, 1), uchar: int('unsigned char', 8, false, 1),
  short: int('short', 16, true, 2), ushort: int('unsigned short', 16, false, 2),
  int: int('int', 32, true, 3), uint: int('unsigned int', 32, false, 3),
  long: int('long', 64, true, 4), ulong: int('unsigned long', 64, false, 4),
  llong: int('long long', 64, true, 5), ullong: int('unsigned long long', 64, false, 5),
  /** enum kvm_gfn_range_filter: gcc gives an enum without negative constants the type unsigned int. */
  filter: int('enum kvm_gfn_range_filter', 32, false, 3),
  bool: { k: 'bool' } as CType,
  void: { k: 'void' } as CType,
};
export const ptr = (to: CType): CType => ({ k: 'ptr', to });
export const struct = (name: string): CType => ({ k: 'struct', name });

/** The base types C spells with keywords, by their sorted keyword lists. */
export const KEYWORD_TYPES = new Map<string, CType>([
  ['void', T.void], ['_Bool', T.bool], ['char', T.char], ['char signed', T.schar], ['char unsigned', T.uchar],
  ['short', T.short], ['int short', T.short], ['short signed', T.short], ['int short signed', T.short],
  ['short unsigned', T.ushort], ['int short unsigned', T.ushort],
  ['int', T.int], ['signed', T.int], ['int signed', T.int], ['unsigned', T.uint], ['int unsigned', T.uint],
  ['long', T.long], ['int long', T.long], ['long signed', T.long], ['int long signed', T.long],
  ['long unsigned', T.ulong], ['int long unsigned', T.ulong],
  ['long long', T.llong], ['int long long', T.llong], ['long long signed', T.llong], ['int long long signed', T.llong],
  ['long long unsigned', T.ullong], ['int long long unsigned', T.ullong],
]);

export const SHIM = path.join(__dirname, '..', '..', 'native', 'include', 'kvm_gmem_shim.h');

/** The shim's one-line integer typedefs (`typedef unsigned long pgoff_t;`), resolved: what a body may name. */
export function shimTypedefs(shim = fs.readFileSync(SHIM, 'utf8')): Map<string, CType> {
  const out = new Map<string, CType>();
  for (const m of shim.matchAll(/^typedef\s+([A-Za-z_][\w\s]*?)\s+([A-Za-z_]\w*)\s*;/gm)) {
    const words = m[1].split(/\s+/).filter((w) => w !== '__bitwise');
    const base = words.length === 1 && out.has(words[0]) ? out.get(words[0]) : KEYWORD_TYPES.get([...words].sort().join(' '));
    if (base) out.set(m[2], base);
  }
  return out;
}

/**
 * The struct fields a translated body may read, with their shim types: those the model's Kernel
 * gives a variant the same way (model/kernel.ts: KvmMemorySlot, KvmGmem, Inode, GmemInode;
 * model/kvm.ts: KvmGfnRange). Any other field is refused: the model has no value for it.
 * `list` fields are list heads, usable only as the head of list_for_each_entry().
 */
export const FIELDS: ReadonlyMap<string, ReadonlyMap<string, CType>> = new Map([
  ['kvm_memory_slot', new Map<string, CType>([['base_gfn', T.ullong], ['npages', T.ulong], ['gmem', struct('kvm_memory_slot.gmem')]])],
  ['kvm_memory_slot.gmem', new Map<string, CType>([['pgoff', T.ulong], ['index', T.ulong]])],
  ['kvm_gmem', new Map<string, CType>([['kvm', ptr(struct('kvm'))], ['bindings', struct('xarray')]])],
  ['gmem_file', new Map<string, CType>([['kvm', ptr(struct('kvm'))], ['bindings', struct('xarray')]])],
  ['inode', new Map<string, CType>([['i_mapping', ptr(struct('address_space'))], ['i_private', ptr(T.void)], ['i_size', T.llong]])],
  ['address_space', new Map<string, CType>([['i_private_list', struct('list_head')]])],
  ['gmem_inode', new Map<string, CType>([['flags', T.ullong], ['gmem_file_list', struct('list_head')]])],
  ['kvm_gfn_range', new Map<string, CType>([
    ['slot', ptr(struct('kvm_memory_slot'))], ['start', T.ullong], ['end', T.ullong], ['attr_filter', T.filter],
    ['may_block', T.bool], ['lockless', T.bool], ['flags', T.uint],
  ])],
]);
/** Fields of struct kvm_gfn_range the harness never reads (native/driver.c, model/kvm.ts): a side-effect-free initializer of one is dropped. */
export const UNREAD_RANGE_FIELDS = new Set(['pte', 'arg']);

export const isInt = (t: CType): t is IntType => t.k === 'int';
export const isScalar = (t: CType): boolean => t.k === 'int' || t.k === 'bool';

/** C11 6.3.1.1: types of lower rank than int (and _Bool) become int. */
export function promote(t: CType): IntType {
  if (t.k === 'bool') return T.int;
  if (t.k !== 'int') throw new Error(`promote() of a ${t.k}`);
  return t.rank < T.int.rank ? T.int : t;
}

/** C11 6.3.1.8: the common type of two integer operands. */
export function usual(a: CType, b: CType): IntType {
  const x = promote(a), y = promote(b);
  if (x.name === y.name) return x;
  if (x.signed === y.signed) return x.rank >= y.rank ? x : y;
  const [u, s] = x.signed ? [y, x] : [x, y];
  if (u.rank >= s.rank) return u;
  if (s.bits > u.bits) return s;
  return unsignedOf(s);
}

export function unsignedOf(t: IntType): IntType {
  return t.name === 'long' ? T.ulong : t.name === 'long long' ? T.ullong : t.name === 'int' ? T.uint : t.name === 'short' ? T.ushort : T.uchar;
}

export const minOf = (t: IntType): bigint => (t.signed ? -(1n << BigInt(t.bits - 1)) : 0n);
export const maxOf = (t: IntType): bigint => (t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n);
/** The value x converts to in `t` (C11 6.3.1.3; gcc wraps a signed conversion modulo 2^bits). */
export const wrapTo = (t: IntType, x: bigint): bigint => (t.signed ? BigInt.asIntN(t.bits, x) : BigInt.asUintN(t.bits, x));

export function typeName(t: CType): string {
  switch (t.k) {
    case 'int': return t.name;
    case 'bool': return 'bool';
    case 'void': return 'void';
    case 'struct': return `struct ${t.name}`;
    case 'ptr': return `${typeName(t.to)} *`;
  }
}

export const sameType = (a: CType, b: CType): boolean => typeName(a) === typeName(b);
