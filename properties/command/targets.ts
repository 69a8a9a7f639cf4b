// What the command line names: variant files (.ts, .c), folders of them, kernel trees. Anything
// else is refused before any run, with one line saying what the command takes: a file skipped in
// silence would let a run that judged nothing look green (a patch, a README, a typo).

import fs from 'fs';
import path from 'path';
import { VARIANTS_DIR, VariantFileError, isShipped, shippedFileOf } from '../registry';
import { GMEM_FILES, PATCH_EXTENSIONS } from './patches';
import { userPath } from './args';

const TAKES = 'the command checks variant files (.ts, .c), folders of them, and kernel trees (a folder with virt/kvm/guest_memfd.c); see --help';

/** A file a folder's listing counts as a variant. */
const isVariant = (f: string) => (f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts')) || f.endsWith('.c');

/** A folder with the guest_memfd file of some era: a kernel tree, for --from-kernel. */
export const isKernelTree = (dir: string): boolean => GMEM_FILES.some((f) => fs.existsSync(path.join(dir, f)));

/** Why a named file is not a variant: a patch (and how to check one), or anything else. */
function refusal(file: string): string {
  if (PATCH_EXTENSIONS.includes(path.extname(file).toLowerCase())) {
    return `a patch, not a variant: check it against the kernel tree it applies to, npm run check -- --from-kernel TREE --patch ${file}`;
  }
  return `not a variant (.ts or .c): ${TAKES}`;
}

/**
 * The variant files and kernel trees the targets name (folders of variants expanded); every file
 * in variants/ when nothing is named (none with `orNone`). One target that is none of these
 * refuses the whole command line.
 */
export function namedTargets(targets: readonly string[], orNone = false): { files: string[]; trees: string[] } {
  const expand = (t: string): { files: string[]; trees: string[] } => {
    if (!fs.existsSync(t)) throw new VariantFileError(t, 'no such file or folder');
    if (!fs.statSync(t).isDirectory()) {
      if (!t.endsWith('.ts') && !t.endsWith('.c')) throw new VariantFileError(t, refusal(t));
      return { files: [t], trees: [] };
    }
    const found = fs.readdirSync(t).filter(isVariant).sort().map((f) => path.join(t, f));
    if (found.length) return { files: found, trees: [] };
    if (isKernelTree(t)) return { files: [], trees: [t] };
    // a folder named by mistake must not pass for a folder of variants that all pass
    throw new VariantFileError(t, `holds no variant files (.ts or .c) and is not a kernel tree: ${TAKES}`);
  };
  const all = targets.map(userPath);
  if (all.length === 0) return orNone ? { files: [], trees: [] } : expand(VARIANTS_DIR);
  const each = all.map(expand);
  return { files: each.flatMap((x) => x.files), trees: each.flatMap((x) => x.trees) };
}

/**
 * Why the user's variant `file` may not be called `name`, or undefined: a shipped variant is, and
 * the reports would pass for that one's.
 */
export function nameTaken(file: string, name: string): string | undefined {
  const owner = isShipped(file) ? undefined : shippedFileOf(name);
  return owner ? `the name "${name}" belongs to ${path.relative(path.join(VARIANTS_DIR, '..'), owner)}; give your variant a name of its own` : undefined;
}
