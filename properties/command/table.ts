// The verdict table: one row per variant, one column per property; an unexpected verdict is
// marked with '!' so a reader sees at once where a variant and its expectation disagree, and a
// property that cannot judge a variant (bind-within-file without a bind()) says 'n/a', never pass,
// and one the harness broke on says 'error!', never a failure of the variant.

import { PROPERTY_IDS, isAdvisory } from '../../model/variant';
/** What a cell needs of a verdict (a generated or an exhaustive one). */
export interface Cell {
  readonly variant: string;
  readonly property: string;
  readonly actual: 'pass' | 'fail' | 'not-judged';
  readonly matches: boolean;
  /** Not run: the variant hung on a case of an earlier property. */
  readonly notRun?: boolean;
  /** The harness broke: no verdict on the variant (exit 2). */
  readonly harnessError?: string;
}

export function verdictCell(v: Cell | undefined): string {
  if (!v) return '-';
  if (v.notRun) return v.matches ? 'not-run' : 'not-run!';
  if (v.harnessError !== undefined) return 'error!';
  const word = v.actual === 'pass' ? 'pass' : v.actual === 'not-judged' ? 'n/a' : 'FAIL';
  return v.matches ? word : `${word}!`;
}

export function verdictTable(verdicts: readonly Cell[]): string {
  const names = [...new Set(verdicts.map((v) => v.variant))];
  const header = ['variant', ...PROPERTY_IDS.map((id) => (isAdvisory(id) ? `(${id})` : id))];
  const rows = names.map((name) => [name, ...PROPERTY_IDS.map((id) => verdictCell(verdicts.find((v) => v.variant === name && v.property === id)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const legend = [
    ...(verdicts.some((v) => v.actual === 'not-judged')
      ? ['n/a: not judged, never a pass (bind-within-file judges a variant\'s kvm_gmem_bind(): one with no bind() gets no verdict there; --json says "not-judged")'] : []),
    ...(verdicts.some((v) => v.notRun) ? ['not-run: no verdict, the variant hung on an earlier property and runs nothing more (--json: "notRun": true)'] : []),
    ...(verdicts.some((v) => v.harnessError !== undefined && !v.notRun) ? ['error: no verdict, the harness broke (what broke is printed below; --json: "harnessError")'] : []),
  ];
  return [line(header), ...rows.map(line), ...legend].join('\n');
}
