// C function trees (prover/c/parse.ts) written as TypeScript over the model's Kernel (model/kernel.ts),
// keeping C's arithmetic exactly. Every integer is a bigint holding the value C's object holds;
// an expression of + - * may leave its value unreduced and is reduced to its type (k.ul for a
// 64-bit unsigned, k.s64 for a 64-bit signed type, a mask for narrower ones) where C's value is
// read: a comparison, a division, a call, a store, a conversion to another width. Wrapping once
// at the end of a sum is exact, as reduction modulo 2^n commutes with + - *. The usual arithmetic
// conversions decide the type (prover/c/types.ts). Kernel calls are the shim's
// (native/include/kvm_gmem_shim.h), each mapped to the Kernel function the model gives a
// TypeScript variant; a call, field or construct without one is a Refusal at its line.

import { KVM_FILTER_PRIVATE, KVM_FILTER_SHARED } from '../../model/vm';
import { Refusal } from './lex';
import { Declarator, Expr, FunctionAst, Stmt } from './parse';
import { CType, FIELDS, IntType, T, UNREAD_RANGE_FIELDS, isInt, maxOf, promote, ptr, sameType, struct, typeName, usual, wrapTo } from './types';

/** A translated expression: TypeScript text, its C type, whether its value is already reduced to the type. */
interface Val {
  readonly code: string;
  readonly type: CType;
  /** An integer's value lies in its type's range (else it is congruent to it modulo 2^bits). */
  readonly exact: boolean;
  readonly konst?: bigint;
  /** Evaluating it changes nothing (no call with effects, no assignment). */
  readonly pure: boolean;
  /** Which list a list_head is (the harness lays the views out on them per era). */
  readonly list?: 'i_private_list' | 'gmem_file_list';
  /** inode->i_private: the creation flags, a pointer only a cast to an integer reads. */
  readonly flagsPointer?: boolean;
  /** A local variable (or a field of a local struct) that may be assigned. */
  readonly lvalue?: boolean;
  /** The code is a sum (1) or a product (2), not an operand as it stands; absent: it is one. */
  readonly prec?: 1 | 2;
}

interface Var {
  readonly js: string;
  readonly type: CType;
  list?: Val['list'];
  /** Set by xa_for_each_range/list_for_each_entry: not readable outside the loop (C leaves it NULL or at its last index). */
  readonly loopOnly: boolean;
  /** xa_find() wrote its index back here: reading it again is refused. */
  clobberedAt?: string;
}

/** How the glue (native/era.ts) names the harness's objects, for the glue's own translation. */
export interface GlueNames { readonly view?: string }

const JS_RESERVED = new Set(('break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval undefined NaN Infinity Object Number BigInt module exports require k XA_PRESENT __min __max').split(' '));
/** A C name as a TypeScript name: C names never hold `$`, so a clash with JavaScript or the translation's own names gets one. */
export const jsName = (c: string): string => (JS_RESERVED.has(c) ? `${c}$` : c);

const lit = (x: bigint): string => (x < 0n ? `(${x >= -0xffffffffn ? `${x}` : `-0x${(-x).toString(16)}`}n)` : x > 0xffffffffn ? `0x${x.toString(16)}n` : `${x}n`);

/** The value of a C integer constant and its type (C11 6.4.4.1, LP64). */
function constant(text: string, at: string): { value: bigint; type: IntType } {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text);
  if (!m) throw new Refusal(at, `the constant ${text}`);
  const value = m[1].length > 1 && m[1][0] === '0' && !/[xX]/.test(m[1]) ? BigInt(`0o${m[1].slice(1)}`) : BigInt(m[1]);
  const suffix = m[2].toLowerCase();
  const u = suffix.includes('u'), ls = (suffix.match(/l/g) ?? []).length;
  const decimal = !/^0/.test(m[1]) || m[1] === '0';
  const ladder: IntType[] = u ? [T.uint, T.ulong, T.ullong]
    : decimal ? [T.int, T.long, T.llong] : [T.int, T.uint, T.long, T.ulong, T.llong, T.ullong];
  const fits = ladder.filter((t) => t.rank >= (ls === 2 ? T.llong.rank : ls === 1 ? T.long.rank : 0) && value <= maxOf(t));
  if (!fits.length) throw new Refusal(at, `the constant ${text} fits no type`);
  return { value, type: fits[0] };
}

export class FunctionEmitter {
  private readonly scopes: Array<Map<string, Var>> = [];
  private loops = 0;
  private readonly lines: Array<{ text: string; at?: string }> = [];

  constructor(
    private readonly fns: ReadonlyMap<string, FunctionAst>,
    /** The era's list of views on i_private_list holds gmem_files (native/era.ts filesOn), so gmem_file_list is empty there. */
    private readonly filesOnIPrivateList: boolean,
    private readonly glue?: GlueNames,
  ) {}

  // ---- output ----

  private out(depth: number, text: string, at?: string): void {
    this.lines.push({ text: `${'  '.repeat(depth)}${text}`, ...(at ? { at } : {}) });
  }

  /** The function as TypeScript: `function name(k, params) { ... }`, each line with the C line it came from. */
  function(fn: FunctionAst, header: string, jsParams?: readonly string[]): Array<{ text: string; at?: string }> {
    this.scopes.push(new Map());
    const params = fn.params.map((p) => this.declare(p.name, p.type, p.at));
    const shown = jsParams ?? ['k', ...params.map((p, i) => `${p} /* ${typeName(fn.params[i].type)} */`)];
    this.out(0, `${header.replace('$PARAMS', () => shown.join(', '))} {`, fn.at);
    this.body(fn.body, 1, fn);
    this.out(0, '}');
    this.scopes.pop();
    return this.lines.splice(0);
  }

  private body(s: Stmt, depth: number, fn: FunctionAst): void {
    if (s.k === 'block') for (const x of s.body) this.stmt(x, depth, fn);
    else this.stmt(s, depth, fn);
  }

  private declare(name: string, type: CType, at: string, loopOnly = false, list?: Val['list']): string {
    const scope = this.scopes[this.scopes.length - 1];
    if (scope.has(name)) throw new Refusal(at, `${name} declared twice in one scope`);
    if (type.k === 'struct' && type.name !== 'kvm_gfn_range') throw new Refusal(at, `a local ${typeName(type)} (only struct kvm_gfn_range is a value the model passes)`);
    const js = jsName(name);
    scope.set(name, { js, type, loopOnly, ...(list ? { list } : {}) });
    return js;
  }

  private lookup(name: string): Var | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i].get(name);
      if (v) return v;
    }
    return undefined;
  }

  private scoped<R>(f: () => R): R {
    this.scopes.push(new Map());
    try { return f(); } finally { this.scopes.pop(); }
  }

  // ---- statements ----

  private stmt(s: Stmt, depth: number, fn: FunctionAst): void {
    switch (s.k) {
      case 'block':
        this.out(depth, '{', s.at);
        this.scoped(() => this.body(s, depth + 1, fn));
        this.out(depth, '}');
        return;
      case 'empty': return;
      case 'decl':
        for (const d of s.vars) this.out(depth, this.declaration(d), d.at);
        return;
      case 'expr': {
        const code = this.effect(s.e);
        if (code) this.out(depth, `${code};`, s.at);
        return;
      }
      case 'if': {
        this.out(depth, `if (${this.cond(s.test)}) {`, s.at);
        this.scoped(() => this.body(s.then, depth + 1, fn));
        if (s.else) {
          this.out(depth, '} else {');
          this.scoped(() => this.body(s.else!, depth + 1, fn));
        }
        this.out(depth, '}');
        return;
      }
      case 'while': case 'do': {
        this.loops++;
        if (s.k === 'while') this.out(depth, `while (${this.cond(s.test)}) {`, s.at);
        else this.out(depth, 'do {', s.at);
        this.scoped(() => this.body(s.body, depth + 1, fn));
        this.out(depth, s.k === 'while' ? '}' : `} while (${this.cond(s.test)});`, s.k === 'do' ? s.test.at : undefined);
        this.loops--;
        return;
      }
      case 'for': {
        this.loops++;
        this.scoped(() => {
          let init = '';
          if (s.init?.k === 'decl') init = s.init.vars.map((d) => this.declaration(d).replace(/;$/, '')).join(', ').replace(/, let /g, ', ');
          else if (s.init?.k === 'expr') init = this.effect(s.init.e);
          const test = s.test ? this.cond(s.test) : '';
          const step = s.step ? this.effect(s.step) : '';
          this.out(depth, `for (${init}; ${test}; ${step}) {`, s.at);
          this.scoped(() => this.body(s.body, depth + 1, fn));
          this.out(depth, '}');
        });
        this.loops--;
        return;
      }
      case 'return': {
        if (!s.e) { this.out(depth, 'return;', s.at); return; }
        if (fn.ret.k === 'void') throw new Refusal(s.at, 'a value returned from a void function');
        this.out(depth, `return ${this.convert(this.expr(s.e), fn.ret, s.at).code};`, s.at);
        return;
      }
      case 'break': case 'continue':
        this.out(depth, `${s.k};`, s.at);
        return;
      case 'xa_loop': return this.xaLoop(s, depth, fn);
      case 'list_loop': return this.listLoop(s, depth, fn);
    }
  }

  private declaration(d: Declarator): string {
    if (d.type.k === 'struct') {
      const init = d.init ? this.rangeInit(d.init, d.at) : this.rangeInit({ k: 'init', fields: [], at: d.at }, d.at);
      return `let ${this.declare(d.name, d.type, d.at)} = ${init};`;
    }
    if (d.type.k === 'void') throw new Refusal(d.at, `a void variable ${d.name}`);
    let list: Val['list'];
    let code: string | undefined;
    if (d.init) {
      if (d.init.k === 'init') throw new Refusal(d.at, `an initializer list for ${typeName(d.type)} ${d.name}`);
      const v = this.convert(this.expr(d.init), d.type, d.at);
      list = v.list;
      code = v.code;
    }
    const js = this.declare(d.name, d.type, d.at, false, list);
    return code === undefined ? `let ${js};` : `let ${js} = ${code};`;
  }

  /** struct kvm_gfn_range: every field C zeroes unless designated (model/kvm.ts KvmGfnRange). */
  private rangeInit(e: Expr, at: string): string {
    if (e.k !== 'init') throw new Refusal(at, 'a struct kvm_gfn_range set from something other than an initializer');
    const fields = FIELDS.get('kvm_gfn_range')!;
    const given = new Map<string, string>();
    let impure = 0;
    for (const f of e.fields) {
      if (UNREAD_RANGE_FIELDS.has(f.name)) {
        if (!this.harmless(f.value)) throw new Refusal(f.value.at, `.${f.name}, a field the harness never reads, set by an expression with effects`);
        continue;
      }
      const type = fields.get(f.name);
      if (!type) throw new Refusal(f.value.at, `the field .${f.name} of struct kvm_gfn_range (the model's range has ${[...fields.keys()].join(', ')})`);
      if (given.has(f.name)) throw new Refusal(f.value.at, `.${f.name} initialized twice`);
      const v = this.convert(this.expr(f.value), type, f.value.at);
      if (!v.pure && ++impure > 1) throw new Refusal(f.value.at, 'two initializers with effects (C leaves their order open)');
      given.set(f.name, f.name === 'attr_filter' ? `Number(${v.code})` : v.code);
    }
    const zero: Record<string, string> = { slot: 'null', start: '0n', end: '0n', attr_filter: '0', may_block: 'false' };
    const order = ['slot', 'start', 'end', 'may_block', 'attr_filter', 'lockless', 'flags'];
    const parts = order.flatMap((n) => (given.has(n) ? [`${n}: ${given.get(n)}`] : zero[n] ? [`${n}: ${zero[n]}`] : []));
    return `{ ${parts.join(', ')} }`;
  }

  /** An expression that may be dropped unevaluated: names, fields, constants, casts, & of them, __pte(constant). */
  private harmless(e: Expr): boolean {
    switch (e.k) {
      case 'num': case 'id': case 'str': case 'type': return true;
      case 'member': return this.harmless(e.obj);
      case 'cast': return this.harmless(e.arg);
      case 'unary': return ['&', '!', '-', '~', '+'].includes(e.op) && this.harmless(e.arg);
      case 'binary': return this.harmless(e.left) && this.harmless(e.right);
      case 'call': return e.callee === '__pte' && e.args.every((a) => this.harmless(a));
      default: return false;
    }
  }

  private xaLoop(s: Extract<Stmt, { k: 'xa_loop' }>, depth: number, fn: FunctionAst): void {
    const xa = this.xarray(s.xa);
    const iv = this.lookup(s.index), ev = this.lookup(s.entry);
    if (!iv || !isInt(iv.type) || iv.type.bits !== 64 || iv.type.signed) throw new Refusal(s.at, `the index ${s.index} of xa_for_each_range() must be a declared unsigned long`);
    if (!ev || !sameType(ev.type, ptr(struct('kvm_memory_slot')))) throw new Refusal(s.at, `the entry ${s.entry} of xa_for_each_range() must be a declared struct kvm_memory_slot *`);
    const first = this.word(s.first), last = this.word(s.last);
    this.loops++;
    this.scoped(() => {
      const index = this.usesName(s.body, s.index) ? this.declare(s.index, T.ulong, s.at, true) : '';
      const entry = this.declare(s.entry, ev.type, s.at, true);
      this.out(depth, `for (const [${index}, ${entry}] of k.xa_for_each_range(${xa}, ${first}, ${last})) {`, s.at);
      this.scoped(() => this.body(s.body, depth + 1, fn));
      this.out(depth, '}');
    });
    this.loops--;
    this.markLoopOnly(s.index, s.at);
    this.markLoopOnly(s.entry, s.at);
  }

  private listLoop(s: Extract<Stmt, { k: 'list_loop' }>, depth: number, fn: FunctionAst): void {
    const head = this.expr(s.head);
    const pv = this.lookup(s.pos);
    const view = pv && pv.type.k === 'ptr' && pv.type.to.k === 'struct' ? pv.type.to.name : '';
    if (view !== 'kvm_gmem' && view !== 'gmem_file') throw new Refusal(s.at, `the cursor ${s.pos} of list_for_each_entry() must be a declared struct kvm_gmem * or struct gmem_file *`);
    if (s.member !== 'entry') throw new Refusal(s.at, `list_for_each_entry() through the member ${s.member} (the views are linked by entry)`);
    if (!sameType(head.type, ptr(struct('list_head'))) || !head.list) throw new Refusal(s.at, 'list_for_each_entry() over a list other than the inode\'s list of views (&inode->i_mapping->i_private_list or &GMEM_I(inode)->gmem_file_list)');
    if (head.list === 'gmem_file_list' && this.filesOnIPrivateList) {
      throw new Refusal(s.at, 'a walk of the gmem_inode\'s gmem_file_list in a file whose kvm_gmem_for_each_file() puts the views on i_private_list: the harness lays them out on one list per era');
    }
    this.loops++;
    this.scoped(() => {
      const pos = this.declare(s.pos, pv!.type, s.at, true);
      this.out(depth, `for (const ${pos} of k.list_for_each_entry(${head.code})) {`, s.at);
      this.scoped(() => this.body(s.body, depth + 1, fn));
      this.out(depth, '}');
    });
    this.loops--;
    this.markLoopOnly(s.pos, s.at);
  }

  /** A variable a loop macro set: from now on outside the loop it holds what C leaves there (NULL, an index), which is not kept. */
  private markLoopOnly(name: string, at: string): void {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i].get(name);
      if (v) { this.scopes[i].set(name, { ...v, loopOnly: true, clobberedAt: at }); return; }
    }
  }

  private usesName(s: Stmt | Expr, name: string): boolean {
    return JSON.stringify(s).includes(`"name":"${name}"`);
  }

  /** An expression statement: its effect as TypeScript ('' for none). */
  private effect(e: Expr): string {
    if (e.k === 'assign') return this.assign(e);
    if ((e.k === 'postfix' || (e.k === 'unary' && (e.op === '++' || e.op === '--')))) {
      const op = e.op === '++' ? '+' : '-';
      return this.assign({ k: 'assign', op: `${op}=`, left: e.arg, right: { k: 'num', text: '1', at: e.at }, at: e.at });
    }
    if (e.k === 'cast' && e.type.k === 'void') {
      if (this.harmless(e.arg)) return '';
      return this.expr(e.arg).code;
    }
    const v = this.expr(e);
    if (v.pure && v.type.k === 'void') return ''; // a call the shim makes a no-op (srcu_read_unlock)
    if (v.pure) throw new Refusal(e.at, 'an expression statement without effect');
    return v.code;
  }

  private assign(e: Extract<Expr, { k: 'assign' }>): string {
    const target = this.lvalue(e.left);
    if (e.op === '=') return `${target.code} = ${this.convert(this.expr(e.right), target.type, e.at).code}`;
    const op = e.op.slice(0, -1);
    const rhs = this.expr(e.right);
    if (!rhs.pure && target.type.k === 'bool' && (op === '|' || op === '&')) {
      // bool |= f(): f() always runs, then the old value joins it (C's | and & evaluate both sides)
      return `${target.code} = ${this.cond(e.right, rhs)} ${op === '|' ? '||' : '&&'} ${target.code}`;
    }
    const value = this.binary(op, { ...target, pure: true }, rhs, e.at);
    return `${target.code} = ${this.convert(value, target.type, e.at).code}`;
  }

  private lvalue(e: Expr): Val {
    if (e.k === 'id') {
      const v = this.lookup(e.name);
      if (!v) throw new Refusal(e.at, `assignment to ${e.name}, which is not a local variable`);
      if (v.loopOnly) throw new Refusal(e.at, `assignment to ${e.name}, which a loop macro sets`);
      if (v.type.k === 'struct') throw new Refusal(e.at, `assignment of a whole struct to ${e.name}`);
      return { code: v.js, type: v.type, exact: true, pure: true, lvalue: true };
    }
    if (e.k === 'member' && !e.arrow && e.obj.k === 'id') {
      const v = this.lookup(e.obj.name);
      const type = v?.type.k === 'struct' && v.type.name === 'kvm_gfn_range' ? FIELDS.get('kvm_gfn_range')!.get(e.field) : undefined;
      if (!v || !type) throw new Refusal(e.at, `assignment to ${e.obj.name}.${e.field}`);
      return { code: `${v.js}.${e.field}`, type, exact: true, pure: true, lvalue: true };
    }
    throw new Refusal(e.at, 'assignment to something other than a local variable or a field of a local struct kvm_gfn_range (the model\'s objects are read-only)');
  }

  // ---- expressions ----

  /** A condition: C's "compares unequal to 0", on the exact value. */
  private cond(e: Expr, v = this.expr(e)): string {
    if (v.type.k === 'bool') return v.code;
    if (isInt(v.type)) return `${this.exactCode(v)} !== 0n`;
    if (v.type.k === 'ptr') {
      if (v.flagsPointer) throw new Refusal(e.at, 'inode->i_private used as a pointer');
      return `${v.code} !== null`;
    }
    throw new Refusal(e.at, `a ${typeName(v.type)} as a condition`);
  }

  /** The value reduced to its type's range: k.ul, k.s64, or a mask for a narrower type. */
  private exactCode(v: Val): string {
    if (v.konst !== undefined) return lit(v.konst);
    if (v.exact || !isInt(v.type)) return v.code;
    const t = v.type;
    if (t.bits === 64) return t.signed ? `k.s64(${v.code})` : `k.ul(${v.code})`;
    const mask = lit((1n << BigInt(t.bits)) - 1n);
    if (!t.signed) return `((${v.code}) & ${mask})`;
    const half = lit(1n << BigInt(t.bits - 1));
    return `((((${v.code}) + ${half}) & ${mask}) - ${half})`;
  }

  private exact(v: Val): Val {
    if (v.exact) return v;
    const { prec: _, ...rest } = v;
    return { ...rest, code: this.exactCode(v), exact: true };
  }

  /** A value as an unsigned long (what the xarray and the kernel calls take). */
  private word(e: Expr): string {
    return this.convert(this.expr(e), T.ulong, e.at).code;
  }

  /** An integer converted to `to`, its value possibly left unreduced (for + - * to go on with). */
  private retype(v: Val, to: IntType, at: string): Val {
    if (v.type.k === 'bool') return this.convert(v, to, at);
    if (!isInt(v.type)) throw new Refusal(at, `a ${typeName(v.type)} where ${typeName(to)} is wanted`);
    if (v.konst !== undefined) return this.konst(to, v.konst);
    const from = v.type;
    // one width and signedness (unsigned long and u64): the value carries over, reduced or not
    if (from.bits === to.bits && from.signed === to.signed) return { ...v, type: to, lvalue: false };
    // to a narrower or same-width type: the class modulo 2^bits carries over, to be reduced in `to`
    if (to.bits <= from.bits) return { ...v, type: to, exact: false, lvalue: false };
    // to a wider type: C converts the value, so reduce it in its own type first; it fits unless a negative becomes unsigned
    return { ...this.exact(v), type: to, exact: from.signed ? to.signed : true, lvalue: false };
  }

  /** C's conversion "as if by assignment" to `to` (C11 6.5.16.1, 6.3.1.2, 6.3.1.3), exact in `to`. */
  private convert(v: Val, to: CType, at: string): Val {
    if (to.k === 'bool') {
      if (v.type.k === 'bool') return v;
      if (v.konst !== undefined) return { code: `${v.konst !== 0n}`, type: T.bool, exact: true, pure: true, konst: v.konst !== 0n ? 1n : 0n };
      return { code: this.cond({ k: 'num', text: '0', at }, v), type: T.bool, exact: true, pure: v.pure };
    }
    if (isInt(to)) {
      if (v.type.k === 'bool') {
        return { code: v.konst !== undefined ? lit(v.konst) : `(${v.code} ? 1n : 0n)`, type: to, exact: true, pure: v.pure, ...(v.konst !== undefined ? { konst: v.konst } : {}) };
      }
      return this.exact(this.retype(v, to, at));
    }
    if (to.k === 'ptr') {
      if (v.konst === 0n) return { code: 'null', type: to, exact: true, pure: true };
      if (v.type.k !== 'ptr') throw new Refusal(at, `a ${typeName(v.type)} where ${typeName(to)} is wanted`);
      if (v.flagsPointer) throw new Refusal(at, 'inode->i_private used as a pointer');
      const ok = sameType(v.type, to) || (v.type.to.k === 'void' && v.code === 'null') || (to.to.k === 'void');
      if (!ok) throw new Refusal(at, `a ${typeName(v.type)} where ${typeName(to)} is wanted`);
      return { ...v, type: sameType(v.type, to) ? v.type : to };
    }
    throw new Refusal(at, `a conversion to ${typeName(to)}`);
  }

  expr(e: Expr): Val {
    switch (e.k) {
      case 'num': {
        const c = constant(e.text, e.at);
        return { code: lit(c.value), type: c.type, exact: true, pure: true, konst: c.value };
      }
      case 'id': return this.name(e);
      case 'str': throw new Refusal(e.at, 'a string');
      case 'type': throw new Refusal(e.at, `the type ${typeName(e.type)} as a value`);
      case 'init': throw new Refusal(e.at, 'an initializer list in an expression');
      case 'call': return this.call(e);
      case 'member': return this.member(e);
      case 'unary': return this.unary(e);
      case 'postfix': case 'assign': throw new Refusal(e.at, `${e.k === 'assign' ? 'an assignment' : `${e.op}`} inside an expression (only as a statement)`);
      case 'binary': {
        if (e.op === '&&' || e.op === '||') {
          const l = this.expr(e.left), r = this.expr(e.right);
          return { code: `(${this.cond(e.left, l)} ${e.op} ${this.cond(e.right, r)})`, type: T.bool, exact: true, pure: l.pure && r.pure };
        }
        return this.binary(e.op, this.expr(e.left), this.expr(e.right), e.at);
      }
      case 'cond': {
        const test = this.cond(e.test);
        let a = this.expr(e.then), b = this.expr(e.else);
        let type: CType;
        if (isInt(a.type) || isInt(b.type)) {
          type = usual(a.type, b.type);
          a = this.convert(a, type, e.at); b = this.convert(b, type, e.at);
        } else if (a.type.k === 'bool' && b.type.k === 'bool') {
          type = T.bool;
        } else if (a.type.k === 'ptr' && (sameType(a.type, b.type) || b.konst === 0n)) {
          type = a.type;
        } else {
          throw new Refusal(e.at, `?: of ${typeName(a.type)} and ${typeName(b.type)}`);
        }
        return { code: `(${test} ? ${this.exactCode(a)} : ${this.exactCode(b)})`, type, exact: true, pure: a.pure && b.pure };
      }
      case 'cast': return this.cast(e);
    }
  }

  private name(e: Extract<Expr, { k: 'id' }>): Val {
    const v = this.lookup(e.name);
    if (v) {
      if (v.loopOnly && v.clobberedAt) throw new Refusal(e.at, `${e.name} read after ${v.clobberedAt} wrote it (a loop macro or xa_find()), which the translation does not keep`);
      return { code: v.js, type: v.type, exact: true, pure: true, lvalue: true, ...(v.list ? { list: v.list } : {}) };
    }
    switch (e.name) {
      case 'NULL': return { code: 'null', type: ptr(T.void), exact: true, pure: true, konst: 0n };
      // enum kvm_gfn_range_filter's constants are ints (C11 6.7.2.2); their values are the model's (model/vm.ts)
      case 'KVM_FILTER_SHARED': return { code: lit(BigInt(KVM_FILTER_SHARED)), type: T.int, exact: true, pure: true, konst: BigInt(KVM_FILTER_SHARED) };
      case 'KVM_FILTER_PRIVATE': return { code: lit(BigInt(KVM_FILTER_PRIVATE)), type: T.int, exact: true, pure: true, konst: BigInt(KVM_FILTER_PRIVATE) };
      case 'XA_PRESENT': return { code: 'XA_PRESENT', type: { k: 'struct', name: 'xa_mark_t' }, exact: true, pure: true };
      case 'harness_inode': return { code: 'k.inode', type: ptr(struct('inode')), exact: true, pure: true };
    }
    if (this.glue?.view && e.name === 'view') throw new Refusal(e.at, 'the glue\'s view used other than to name a view');
    throw new Refusal(e.at, `${e.name}: not a variable of the function, nor a constant of the shim or the model`);
  }

  private member(e: Extract<Expr, { k: 'member' }>): Val {
    const obj = this.expr(e.obj);
    let s: string | undefined;
    if (e.arrow && obj.type.k === 'ptr' && obj.type.to.k === 'struct') s = obj.type.to.name;
    if (!e.arrow && obj.type.k === 'struct') s = obj.type.name;
    if (!s) throw new Refusal(e.at, `${e.arrow ? '->' : '.'}${e.field} of a ${typeName(obj.type)}`);
    const type = FIELDS.get(s)?.get(e.field);
    if (!type) throw new Refusal(e.at, `the field ${e.field} of struct ${s.replace('.', ' (member ')}${s.includes('.') ? ')' : ''}: the model gives a variant ${[...(FIELDS.get(s)?.keys() ?? [])].join(', ') || 'no field of it'}`);
    const code = `${obj.code}.${e.field}`;
    const list = type.k === 'struct' && type.name === 'list_head' ? (e.field as Val['list']) : undefined;
    return { code, type, exact: true, pure: obj.pure, ...(list ? { list } : {}), ...(s === 'inode' && e.field === 'i_private' ? { flagsPointer: true } : {}) };
  }

  private unary(e: Extract<Expr, { k: 'unary' }>): Val {
    if (e.op === '&') {
      const v = this.expr(e.arg);
      if (v.type.k !== 'struct') throw new Refusal(e.at, `the address of a ${typeName(v.type)} (only xa_find() takes the address of an index)`);
      return { ...v, type: ptr(v.type) };
    }
    if (e.op === '*') throw new Refusal(e.at, 'a pointer dereference');
    if (e.op === '++' || e.op === '--') throw new Refusal(e.at, `${e.op} inside an expression (only as a statement)`);
    const v = this.expr(e.arg);
    if (e.op === '!') {
      const konst = v.konst !== undefined ? (v.konst === 0n ? 1n : 0n) : undefined;
      return { code: `!(${this.cond(e.arg, v)})`, type: T.bool, exact: true, pure: v.pure, ...(konst !== undefined ? { konst } : {}) };
    }
    if (!isInt(v.type) && v.type.k !== 'bool') throw new Refusal(e.at, `${e.op} of a ${typeName(v.type)}`);
    const t = promote(v.type);
    const x = this.retype(v, t, e.at);
    if (e.op === '+') return x;
    if (e.op === '-') {
      if (x.konst !== undefined) return this.konst(t, -x.konst);
      return { code: `-(${x.code})`, type: t, exact: false, pure: x.pure };
    }
    // ~x: every bit flipped, maxOf(t) - x for an unsigned type, -x - 1 for a signed one (two's complement)
    const ex = this.exact(x);
    if (ex.konst !== undefined) return this.konst(t, t.signed ? -ex.konst - 1n : maxOf(t) - ex.konst);
    return { code: t.signed ? `(-(${ex.code}) - 1n)` : `(${lit(maxOf(t))} - ${ex.code})`, type: t, exact: true, pure: x.pure };
  }

  private konst(t: IntType, x: bigint): Val {
    const k = wrapTo(t, x);
    return { code: lit(k), type: t, exact: true, pure: true, konst: k };
  }

  private binary(op: string, a: Val, b: Val, at: string): Val {
    const pure = a.pure && b.pure;
    if (op === '==' || op === '!=') {
      if (a.type.k === 'ptr' || b.type.k === 'ptr') {
        if (a.flagsPointer || b.flagsPointer) throw new Refusal(at, 'inode->i_private compared as a pointer');
        const ok = (a.type.k === 'ptr' && b.type.k === 'ptr' && (sameType(a.type, b.type) || a.konst === 0n || b.konst === 0n)) || a.konst === 0n || b.konst === 0n;
        if (!ok) throw new Refusal(at, `${op} of ${typeName(a.type)} and ${typeName(b.type)}`);
        return { code: `(${a.code} ${op}= ${b.code})`, type: T.bool, exact: true, pure };
      }
    }
    if ((op === '|' || op === '&') && a.type.k === 'bool' && b.type.k === 'bool') {
      // C evaluates both sides of | and &: the one with effects first, then the other joins it
      if (!a.pure && !b.pure) throw new Refusal(at, `${op} of two operands with effects`);
      const [x, y] = a.pure ? [b, a] : [a, b];
      return { code: `(${x.code} ${op}${op} ${y.code})`, type: T.bool, exact: true, pure };
    }
    if ((!isInt(a.type) && a.type.k !== 'bool') || (!isInt(b.type) && b.type.k !== 'bool')) throw new Refusal(at, `${op} of ${typeName(a.type)} and ${typeName(b.type)}`);
    if (op === '<<' || op === '>>') {
      const t = promote(a.type);
      const count = this.retype(b, promote(b.type), at);
      if (count.konst === undefined || count.konst < 0n || count.konst >= BigInt(t.bits)) throw new Refusal(at, `a shift by ${count.konst === undefined ? 'a variable amount' : count.konst} (only constants below the width are translated)`);
      const x = this.retype(a, t, at);
      const s = count.konst;
      if (op === '<<') {
        if (x.konst !== undefined) return this.konst(t, x.konst << s);
        return { code: `(${x.code}) * ${lit(1n << s)}`, type: t, exact: false, pure, prec: 2 };
      }
      const ex = this.exact(x);
      if (ex.konst !== undefined) return this.konst(t, ex.konst >> s);
      return { code: `(${ex.code} >> ${lit(s)})`, type: t, exact: true, pure };
    }
    const t = usual(a.type, b.type);
    const x = this.retype(a, t, at), y = this.retype(b, t, at);
    if (['<', '>', '<=', '>=', '==', '!='].includes(op)) {
      const js = op === '==' ? '===' : op === '!=' ? '!==' : op;
      const ex = this.exact(x), ey = this.exact(y);
      if (ex.konst !== undefined && ey.konst !== undefined) {
        const r = op === '<' ? ex.konst < ey.konst : op === '>' ? ex.konst > ey.konst : op === '<=' ? ex.konst <= ey.konst : op === '>=' ? ex.konst >= ey.konst : op === '==' ? ex.konst === ey.konst : ex.konst !== ey.konst;
        return { code: `${r}`, type: T.bool, exact: true, pure: true, konst: r ? 1n : 0n };
      }
      // TypeScript reads `x < (` as the start of type arguments: a < b is written b > a (C leaves the order of operands open)
      if (op === '<' && !ex.pure && !ey.pure) throw new Refusal(at, '< of two operands with effects');
      return { code: op === '<' ? `(${ey.code} > ${ex.code})` : `(${ex.code} ${js} ${ey.code})`, type: T.bool, exact: true, pure };
    }
    if (op === '+' || op === '-' || op === '*') {
      if (x.konst !== undefined && y.konst !== undefined) return this.konst(t, op === '+' ? x.konst + y.konst : op === '-' ? x.konst - y.konst : x.konst * y.konst);
      const level = op === '*' ? 2 : 1;
      const left = x.prec !== undefined && x.prec < level ? `(${x.code})` : x.code;
      const right = y.prec !== undefined && y.prec <= level ? `(${y.code})` : y.code;
      return { code: `${left} ${op} ${right}`, type: t, exact: false, pure, prec: level };
    }
    const ex = this.exact(x), ey = this.exact(y);
    if (op === '/' || op === '%') {
      if (ey.konst === 0n) throw new Refusal(at, `${op} by zero`);
      if (ex.konst !== undefined && ey.konst !== undefined) return this.konst(t, op === '/' ? ex.konst / ey.konst : ex.konst % ey.konst);
      // bigint / and % truncate toward zero, as C's do; only the signed MIN / -1 leaves the type
      return { code: `(${ex.code} ${op} ${ey.code})`, type: t, exact: !t.signed, pure };
    }
    if (op === '&' || op === '|' || op === '^') {
      // on a type's own values, bigint's two's complement bit operations are C's
      if (ex.konst !== undefined && ey.konst !== undefined) return this.konst(t, op === '&' ? ex.konst & ey.konst : op === '|' ? ex.konst | ey.konst : ex.konst ^ ey.konst);
      return { code: `(${ex.code} ${op} ${ey.code})`, type: t, exact: true, pure };
    }
    throw new Refusal(at, `the operator ${op}`);
  }

  private cast(e: Extract<Expr, { k: 'cast' }>): Val {
    const v = this.expr(e.arg);
    if (v.flagsPointer) {
      // (u64)inode->i_private: the creation flags the 2025 trees keep there (model/kernel.ts Inode.i_private)
      if (!isInt(e.type) || e.type.bits !== 64) throw new Refusal(e.at, `inode->i_private cast to ${typeName(e.type)}`);
      return { code: v.code, type: e.type, exact: true, pure: v.pure };
    }
    if (e.type.k === 'void') throw new Refusal(e.at, 'a cast to void inside an expression');
    if (e.type.k === 'ptr' && v.type.k === 'ptr' && !sameType(e.type, v.type) && e.type.to.k !== 'void') {
      throw new Refusal(e.at, `a cast from ${typeName(v.type)} to ${typeName(e.type)}`);
    }
    return this.convert(v, e.type, e.at);
  }

  /** &local->bindings or &gmem->bindings: the xarray a walk or xa_find() takes. */
  private xarray(e: Expr): string {
    const v = this.expr(e);
    if (!sameType(v.type, ptr(struct('xarray')))) throw new Refusal(e.at, `a ${typeName(v.type)} where the bindings xarray (&gmem->bindings) is wanted`);
    return v.code;
  }

  private kvm(e: Expr): string {
    const v = this.expr(e);
    if (!sameType(v.type, ptr(struct('kvm')))) throw new Refusal(e.at, `a ${typeName(v.type)} where a struct kvm * is wanted`);
    return v.code;
  }

  private call(e: Extract<Expr, { k: 'call' }>): Val {
    const fn = this.fns.get(e.callee);
    const args = e.args;
    const arity = (n: number) => { if (args.length !== n) throw new Refusal(e.at, `${e.callee}() with ${args.length} arguments, not ${n}`); };
    if (fn) {
      arity(fn.params.length);
      const values = args.map((a, i) => this.convert(this.expr(a), fn.params[i].type, a.at));
      if (values.filter((v) => !v.pure).length > 1) throw new Refusal(e.at, `${e.callee}() with two arguments with effects (C leaves their order open)`);
      return { code: `${jsName(fn.name)}(${['k', ...values.map((v) => v.code)].join(', ')})`, type: fn.ret, exact: true, pure: false };
    }
    const vm = (name: string) => { arity(1); return { code: `k.${name}(${this.kvm(args[0])})`, type: T.void, exact: true, pure: false }; };
    switch (e.callee) {
      case 'harness_kvm_mmu_lock': return vm('KVM_MMU_LOCK');
      case 'harness_kvm_mmu_unlock': return vm('KVM_MMU_UNLOCK');
      case 'kvm_mmu_invalidate_begin': case 'kvm_mmu_invalidate_end': case 'kvm_flush_remote_tlbs': return vm(e.callee);
      case 'kvm_mmu_invalidate_range_add': {
        arity(3);
        const kvm = this.kvm(args[0]);
        const s = this.convert(this.expr(args[1]), T.ullong, args[1].at), t = this.convert(this.expr(args[2]), T.ullong, args[2].at);
        return { code: `k.kvm_mmu_invalidate_range_add(${kvm}, ${s.code}, ${t.code})`, type: T.void, exact: true, pure: false };
      }
      case 'kvm_mmu_unmap_gfn_range': case 'kvm_unmap_gfn_range': {
        arity(2);
        const range = this.expr(args[1]);
        if (!sameType(range.type, ptr(struct('kvm_gfn_range')))) throw new Refusal(args[1].at, `a ${typeName(range.type)} where a struct kvm_gfn_range * is wanted`);
        return { code: `k.${e.callee}(${this.kvm(args[0])}, ${range.code})`, type: T.bool, exact: true, pure: false };
      }
      case 'harness_warn': {
        // WARN_ON_ONCE(c) and its kin in the shim: the WARN is logged each time it fires, and c returned
        if (args.length < 1 || !args.slice(1).every((a) => this.harmless(a))) throw new Refusal(e.at, 'a WARN whose message has effects');
        return { code: `k.WARN_ON_ONCE(${this.cond(args[0])})`, type: T.bool, exact: true, pure: false };
      }
      case 'xa_find': return this.xaFind(e);
      case 'container_of': {
        arity(3);
        const x = this.expr(args[0]);
        if (!(sameType(x.type, ptr(struct('inode'))) && args[1].k === 'type' && sameType(args[1].type, struct('gmem_inode')) && args[2].k === 'id' && args[2].name === 'vfs_inode')) {
          throw new Refusal(e.at, 'container_of() other than GMEM_I\'s (inode, struct gmem_inode, vfs_inode)');
        }
        return { code: `k.GMEM_I(${x.code})`, type: ptr(struct('gmem_inode')), exact: true, pure: x.pure };
      }
      case 'srcu_read_lock': case 'srcu_read_unlock': {
        // the shim's SRCU readers do nothing (there is no memslot update to wait for); their arguments are names
        if (!args.every((a) => this.harmless(a))) throw new Refusal(e.at, `${e.callee}() with arguments with effects`);
        return e.callee === 'srcu_read_lock' ? { code: '0n', type: T.int, exact: true, pure: true, konst: 0n } : { code: 'undefined', type: T.void, exact: true, pure: true };
      }
      case '__builtin_expect': {
        arity(2);
        return this.convert(this.expr(args[0]), T.long, e.at);
      }
      case 'min': case 'max': case 'min_t': case 'max_t': return this.minMax(e);
      case 'harness_view_gmem': case 'harness_view_kvm': case 'harness_view_file': return this.view(e);
    }
    throw new Refusal(e.at, `${e.callee}(): neither a function of the file nor a kernel call the model gives a variant`);
  }

  private minMax(e: Extract<Expr, { k: 'call' }>): Val {
    const typed = e.callee.endsWith('_t');
    if (e.args.length !== (typed ? 3 : 2)) throw new Refusal(e.at, `${e.callee}() with ${e.args.length} arguments`);
    const [ta, xa, ya] = (typed ? e.args : [undefined, ...e.args]) as [Expr | undefined, Expr, Expr];
    let x = this.expr(xa), y = this.expr(ya);
    let t: CType;
    if (typed) {
      if (ta!.k !== 'type') throw new Refusal(e.at, `${e.callee}() without a type`);
      t = ta!.type;
      x = this.convert(x, t, xa.at); y = this.convert(y, t, ya.at);
    } else {
      // the shim refuses distinct types at compile time, as the kernel's __typecheck() did
      if (!sameType(x.type, y.type)) throw new Refusal(e.at, `${e.callee}() of distinct types ${typeName(x.type)} and ${typeName(y.type)}`);
      t = x.type;
    }
    if (!isInt(t)) throw new Refusal(e.at, `${e.callee}() of ${typeName(t)}`);
    const fn = e.callee.startsWith('min') ? 'min' : 'max';
    const ex = this.exactCode(x), ey = this.exactCode(y);
    // the Kernel's min()/max() are the kernel's on unsigned longs; other types compare as they are
    const code = t.bits === 64 && !t.signed ? `k.${fn}(${ex}, ${ey})` : `__${fn}(${ex}, ${ey})`;
    return { code, type: t, exact: true, pure: x.pure && y.pure };
  }

  private xaFind(e: Extract<Expr, { k: 'call' }>): Val {
    const [xa, index, max, mark] = e.args;
    if (e.args.length !== 4) throw new Refusal(e.at, 'xa_find() takes four arguments');
    if (index.k !== 'unary' || index.op !== '&' || index.arg.k !== 'id') throw new Refusal(index.at, 'xa_find() of an index other than &variable');
    const v = this.lookup(index.arg.name);
    if (!v || !isInt(v.type) || v.type.bits !== 64 || v.type.signed) throw new Refusal(index.at, 'xa_find()\'s index must be an unsigned long variable');
    if (this.loops > 0) throw new Refusal(e.at, 'xa_find() inside a loop: it writes its index back, which the translation does not keep');
    if (mark.k !== 'id' || mark.name !== 'XA_PRESENT') throw new Refusal(mark.at, 'xa_find() with a mark other than XA_PRESENT');
    const code = `k.xa_find(${this.xarray(xa)}, ${v.js}, ${this.word(max)}, XA_PRESENT)`;
    // xa_find() leaves the found entry's first index in *index (or leaves it alone on a miss): reading it later is refused
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const s = this.scopes[i].get(index.arg.name);
      if (s) { this.scopes[i].set(index.arg.name, { ...s, loopOnly: true, clobberedAt: e.at }); break; }
    }
    return { code, type: ptr(struct('kvm_memory_slot')), exact: true, pure: false };
  }

  /** The glue's harness_view_*(): the view the harness calls the era's functions on. */
  private view(e: Extract<Expr, { k: 'call' }>): Val {
    const [a] = e.args;
    const types: Record<string, CType> = { harness_view_gmem: ptr(struct('kvm_gmem')), harness_view_kvm: ptr(struct('kvm')), harness_view_file: ptr(struct('gmem_file')) };
    if (!this.glue || e.args.length !== 1) throw new Refusal(e.at, `${e.callee}() outside the harness's glue`);
    if (a.k === 'num' && a.text === '0') return { code: e.callee === 'harness_view_kvm' ? 'k.kvm' : 'k.gmem', type: types[e.callee], exact: true, pure: true };
    if (a.k === 'id' && a.name === 'view' && this.glue.view && e.callee !== 'harness_view_kvm') return { code: this.glue.view, type: types[e.callee], exact: true, pure: true };
    throw new Refusal(e.at, `${e.callee}() of another view`);
  }
}

/** min()/max() of types other than unsigned long: plain comparisons of two values of one type. */
export const PRELUDE = [
  "const XA_PRESENT = 'XA_PRESENT';",
  'const __min = (a, b) => (b > a ? a : b);',
  'const __max = (a, b) => (a > b ? a : b);',
];

