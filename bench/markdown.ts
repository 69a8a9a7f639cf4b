// Markdown tables for bench/RESULTS.md: a header row, an alignment row, cells escaped for pipes.

const cell = (x: string | number): string => String(x).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Columns whose header starts with '>' are right-aligned (the '>' is dropped). */
export function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const right = header.map((h) => h.startsWith('>'));
  const head = header.map((h) => (h.startsWith('>') ? h.slice(1) : h));
  const lines = [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${right.map((r) => (r ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}
