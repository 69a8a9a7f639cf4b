// Port mistakes caught where they are written: a scan of a variant's source (TypeScript or C,
// read, never run) for an accumulation that short-circuits a KVM call. C's `flush |= f()` always
// calls f; `flush ||= f()` and `flush = flush || f()` stop calling it once flush is true, so
// every slot after the first that had work is left mapped. And a TypeScript port that sets a
// range's attr_filter but runs in default VMs only, which ignore the filter: its filter is
// never judged. Shown before the verdicts.

import fs from 'fs';

/** The KVM calls whose side effect (the unmap) must happen whatever the accumulator holds. */
const EFFECTFUL = ['kvm_mmu_unmap_gfn_range', 'kvm_unmap_gfn_range', 'kvm_flush_remote_tlbs'];
const call = `(?:\\w+\\.)?(?:${EFFECTFUL.join('|')})\\s*\\(`;
const PATTERNS: ReadonlyArray<{ re: RegExp; fix: (v: string) => string }> = [
  { re: new RegExp(`\\b(\\w+)\\s*\\|\\|=\\s*${call}`), fix: (v) => `\`${v} ||= f()\` skips f() once ${v} is true; write \`${v} = f() || ${v}\`` },
  { re: new RegExp(`\\b(\\w+)\\s*=\\s*\\1\\s*\\|\\|\\s*${call}`), fix: (v) => `\`${v} = ${v} || f()\` skips f() once ${v} is true; write \`${v} = f() || ${v}\` (in C, \`${v} |= f()\`)` },
];

export interface PortWarning {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** The short-circuited KVM calls in a source text, with their lines (comments are not skipped: a warning there is cheap). */
export function portWarnings(file: string, text: string = fs.readFileSync(file, 'utf8')): PortWarning[] {
  const out: PortWarning[] = [];
  text.split('\n').forEach((l, i) => {
    for (const p of PATTERNS) {
      const m = p.re.exec(l);
      if (m) out.push({ file, line: i + 1, message: `${p.fix(m[1])}: the unmap of every later slot is skipped` });
    }
  });
  return out;
}

export const formatPortWarning = (w: PortWarning): string => `warning: ${w.file}:${w.line}: ${w.message}`;

/**
 * A TypeScript port that sets attr_filter (6.14 on) but declares no TDX VM: the first line that
 * sets it, or nothing. A C file's era says where it runs (native/cvariant.ts), so only .ts is read.
 */
export function filterWarning(file: string, vmTypes: readonly string[] | undefined, text: string = fs.readFileSync(file, 'utf8')): PortWarning[] {
  if (!file.endsWith('.ts') || vmTypes?.includes('tdx')) return [];
  const at = text.split('\n').findIndex((l) => /\battr_filter\s*:/.test(l));
  if (at < 0) return [];
  return [{
    file, line: at + 1,
    message: "sets attr_filter, but declares no vmTypes with 'tdx': its cases run in default VMs only, which ignore the filter, so the filter is never judged (declare vmTypes: ['default', 'tdx'])",
  }];
}

/**
 * A TypeScript port that loops over the inode's views (2025 on) but does not declare that its
 * functions take the inode: its cases have one view, so the loop is never judged. The first line
 * that walks the views, or nothing.
 */
export function viewsWarning(file: string, takes: string | undefined, text: string = fs.readFileSync(file, 'utf8')): PortWarning[] {
  if (!file.endsWith('.ts') || takes === 'inode') return [];
  const at = text.split('\n').findIndex((l) => /\b(kvm_gmem_for_each_file|list_for_each_entry|i_private_list)\b|\bk\.inode\b/.test(l));
  if (at < 0) return [];
  return [{
    file, line: at + 1,
    message: "walks the inode's views, but does not declare takes: 'inode': its cases have one view, so a mistake in the view loop is never judged " +
      "(declare takes: 'inode', with release_begin/release_end, as variants/upstream-2026.ts does)",
  }];
}
