// The registry: every variant file in variants/ is picked up without editing a list. A file
// must default-export a variant (name, origin, expectations, invalidate_begin/_end).

import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { BIND_ERAS } from '../model/rules';
import { PROPERTY_IDS, Variant } from '../model/variant';
import { VM_TYPES } from '../model/vm';

export const VARIANTS_DIR = path.join(__dirname, '..', 'variants');

/** History order of the shipped variants (KERNEL-FACTS §2); others follow by name. */
const HISTORY = ['early', 'buggy', 'fixed', 'hybrid', 'v12-imbalance', 'upstream', 'mike-index', 'mike-base', 'upstream-6.14', 'filter-shared-always', 'upstream-2025', 'upstream-2026', 'first-view-only', 'release-all-views', 'upstream-7.2', 'conversion-2026', 'convert-zap-aligned', 'convert-bracket-exact', 'convert-batch-skip'];

/** A file of the shipped suite: variants/*.ts or variants/c/*.c. Its reports go to shrink-reports/. */
export function isShipped(file: string): boolean {
  const folder = path.resolve(path.dirname(file));
  return folder === path.resolve(VARIANTS_DIR) || folder === path.resolve(VARIANTS_DIR, 'c');
}

/** Why a file is not a usable variant, naming the file. */
export class VariantFileError extends Error {
  constructor(readonly file: string, fault: string) {
    super(`${file}: ${fault}`);
    this.name = 'VariantFileError';
  }

  /** An error whose message already names the file (a compiler's, or the variant's process's). */
  static said(file: string, message: string): VariantFileError {
    return Object.assign(new VariantFileError(file, ''), { message });
  }
}

const files = new WeakMap<Variant, string>();

/** The file a variant was loaded from, if it came from one (a C variant carries its own). */
export const variantFile = (v: Variant): string | undefined => {
  const own = (v as { file?: unknown }).file;
  return files.get(v) ?? (typeof own === 'string' ? path.resolve(own) : undefined);
};

/** sha256 of the variant's file (or of its functions' text), so a stale report is recognisable. */
export function variantSourceHash(v: Variant): string {
  const file = variantFile(v); // for a C variant its own file: its text, not where it was compiled
  if (file && fs.existsSync(file)) return sourceHashOf(file);
  return crypto.createHash('sha256').update(`${v.invalidate_begin.toString()}\n${v.invalidate_end.toString()}`).digest('hex');
}

/** sha256 of a variant file's text: read, never run. */
export const sourceHashOf = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file, 'utf8')).digest('hex');

/**
 * The names of the shipped TypeScript variants, known without running them: a shipped variant
 * is named after its file (test/registry.test.ts holds every shipped file to it).
 */
export function shippedNames(dir: string = VARIANTS_DIR): Map<string, string> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'));
  return new Map(files.map((f) => [f.slice(0, -'.ts'.length), path.join(dir, f)]));
}

/**
 * A C variant file's name, from its harness comment (or its file's name), read without compiling
 * it: native/header.ts needs no gcc, and is loaded only when a C variant's name is asked for.
 */
export function cVariantName(file: string): string {
  const { parseHeader } = require('../native/header') as typeof import('../native/header');
  return parseHeader(file, fs.readFileSync(file, 'utf8')).name;
}

/**
 * The shipped variant's file called `name`, TypeScript or C, or undefined. A user's variant may
 * not take a shipped name, so the name finds the file wherever a report of it is.
 */
export function shippedFileOf(name: string, dir: string = VARIANTS_DIR): string | undefined {
  const ts = shippedNames(dir).get(name);
  if (ts) return ts;
  const cDir = path.join(dir, 'c');
  if (!fs.existsSync(cDir)) return undefined;
  return fs.readdirSync(cDir).map((f) => path.join(cDir, f)).find((f) => f.endsWith('.c') && cVariantName(f) === name);
}

/** What is wrong with a variant's vmTypes, or null: absent, or a list of known VM types with 'default' among them (every era runs there). */
export function vmTypesFault(x: unknown): string | null {
  if (x === undefined) return null;
  if (!Array.isArray(x) || x.length === 0 || !x.every((t) => (VM_TYPES as readonly unknown[]).includes(t))) {
    return `vmTypes must be a list of VM types among ${VM_TYPES.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(x)}`;
  }
  if (!x.includes('default')) return `vmTypes must include 'default', got ${JSON.stringify(x)}`;
  return null;
}

/**
 * What is wrong with a variant's era shape, or null: `takes` absent (one view's kvm_gmem) or
 * 'inode' (2025 on), and an inode variant has release's two per-view calls, which no other has.
 */
export function takesFault(v: { takes?: unknown; release_begin?: unknown; release_end?: unknown; zap?: unknown; release_zap?: unknown; convert?: unknown }): string | null {
  if (v.takes !== undefined && v.takes !== 'inode') return `takes must be 'inode' or absent, got ${JSON.stringify(v.takes)}`;
  for (const fn of ['zap', 'release_zap', 'convert'] as const) {
    if (v[fn] !== undefined && typeof v[fn] !== 'function') return `${fn} must be a function`;
  }
  if (v.zap !== undefined && v.takes !== 'inode') return "defines zap (the split era's kvm_gmem_zap), so its functions take the inode: declare takes: 'inode'";
  if ((v.zap === undefined) !== (v.release_zap === undefined)) {
    return v.zap ? "defines zap, so release calls __kvm_gmem_zap on the view it closes too: define release_zap(k, f)" : 'defines release_zap without zap';
  }
  if (v.convert !== undefined && v.zap === undefined) return "defines convert, which calls the split era's begin, zap and end: define zap";
  const release = (['release_begin', 'release_end'] as const).filter((fn) => v[fn] !== undefined);
  if (v.takes === 'inode') {
    const missing = (['release_begin', 'release_end'] as const).filter((fn) => typeof v[fn] !== 'function');
    if (missing.length) return `takes the inode, so release closes one view's file and calls the per-view functions on it: define ${missing.join(' and ')}(k, f)`;
  } else if (release.length) {
    return `defines ${release.join(' and ')}, which only a variant that takes the inode has (takes: 'inode'); before 2025 release calls invalidate_begin/_end on its one view`;
  }
  return null;
}

/**
 * What is wrong with a variant's bind, or null: `bind` a function if present, `bindEra` '6.8' or
 * '7.2' if present, and no expectation that bind-within-file fails without a bind() to judge.
 */
export function bindFault(v: { bind?: unknown; bindEra?: unknown; expect?: Partial<Record<string, unknown>> }): string | null {
  if (v.bind !== undefined && typeof v.bind !== 'function') return 'bind must be a function (its kvm_gmem_bind())';
  if (v.bindEra !== undefined && !(BIND_ERAS as readonly unknown[]).includes(v.bindEra)) {
    return `bindEra must be ${BIND_ERAS.map((e) => `'${e}'`).join(' or ')} (absent: '6.8', every kernel from 6.8 to 7.1), got ${JSON.stringify(v.bindEra)}`;
  }
  if (v.bind === undefined && v.expect?.['bind-within-file'] === 'fail') return "expects bind-within-file to fail, but has no bind() for it to judge";
  return null;
}

/** What a variant file's top-level code threw, as the check and the prover both say it. */
export const threwAtImport = (e: unknown): string => `threw at import: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;

/** The file's module; what its top-level code throws is the file's fault, and names it. */
function importVariantFile(file: string): { default?: unknown } {
  try {
    return require(path.resolve(file)) as { default?: unknown };
  } catch (e) {
    throw new VariantFileError(file, threwAtImport(e));
  }
}

export function loadVariantFile(file: string): Variant {
  const mod = importVariantFile(file);
  const v = mod.default as Partial<Variant> | undefined;
  if (!v || typeof v !== 'object') throw new VariantFileError(file, 'does not default-export a variant (export default defineVariant({...}))');
  if (typeof v.name !== 'string' || v.name === '') throw new VariantFileError(file, 'the variant has no name');
  for (const fn of ['invalidate_begin', 'invalidate_end'] as const) {
    if (typeof v[fn] !== 'function') throw new VariantFileError(file, `the variant has no ${fn} function`);
  }
  const declared = typeof v.expect === 'object' && v.expect !== null ? Object.keys(v.expect) : [];
  const unknown = declared.filter((id) => !(PROPERTY_IDS as readonly string[]).includes(id));
  if (unknown.length) throw new VariantFileError(file, `unknown property ${unknown.map((id) => `"${id}"`).join(', ')} in expect (the properties are ${PROPERTY_IDS.join(', ')})`);
  const missing = PROPERTY_IDS.filter((id) => !['pass', 'fail', 'report'].includes(v.expect?.[id] as string));
  if (missing.length) throw new VariantFileError(file, `no valid expectation for ${missing.join(', ')} (use expectations({...}))`);
  const vmFault = vmTypesFault(v.vmTypes);
  if (vmFault) throw new VariantFileError(file, vmFault);
  const eraFault = takesFault(v) ?? bindFault(v);
  if (eraFault) throw new VariantFileError(file, eraFault);
  // a file may re-export another's variant object: it stays the first file's
  if (!files.has(v as Variant)) files.set(v as Variant, path.resolve(file));
  return v as Variant;
}

/** Where a variant sorts: the shipped ones in history order, then the rest. */
export const historyRank = (name: string): number => { const i = HISTORY.indexOf(name); return i < 0 ? HISTORY.length : i; };

export function loadVariants(dir: string = VARIANTS_DIR): Variant[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'));
  const variants = files.map((f) => loadVariantFile(path.join(dir, f)));
  const seen = new Map<string, number>();
  for (const v of variants) seen.set(v.name, (seen.get(v.name) ?? 0) + 1);
  const twice = [...seen].filter(([, n]) => n > 1).map(([name]) => name);
  if (twice.length) throw new VariantFileError(dir, `variant names used twice: ${twice.join(', ')}`);
  return variants.sort((a, b) => historyRank(a.name) - historyRank(b.name) || a.name.localeCompare(b.name));
}
