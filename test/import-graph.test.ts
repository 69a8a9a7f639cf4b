// The layers stay layers: the import graph of model/, properties/, native/ and prover/ (every import,
// type-only ones too) has no cycle, and model/ imports nothing outside itself.

import fs from 'fs';
import path from 'path';

const ROOT = path.join(__dirname, '..');
const FOLDERS = ['model', 'properties', 'native', 'prover'];

/** Every .ts file of the folders, as a path from the repo root. */
function files(): string[] {
  return FOLDERS.flatMap((d) => (fs.readdirSync(path.join(ROOT, d), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => path.join(d, f)));
}

/** The local .ts files a file imports (import ... from, export ... from, require(), import()). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out = new Set<string>();
  const specifier = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)['"](\.[^'"]*)['"]/gm;
  for (let m = specifier.exec(text); m; m = specifier.exec(text)) {
    const base = path.join(path.dirname(file), m[1]);
    const hit = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => c.endsWith('.ts') && fs.existsSync(path.join(ROOT, c)));
    if (hit) out.add(path.normalize(hit));
  }
  return [...out];
}

/** The strongly connected components with more than one file (or a file importing itself): the cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) { on.delete(w); scc.push(w); if (w === v) break; }
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const graph = new Map(files().map((f) => [f, importsOf(f)] as const));

test('the walk sees the imports (a known edge is found)', () => {
  expect(graph.get(path.join('properties', 'engine', 'engine.ts'))).toContain(path.join('properties', 'properties.ts'));
  expect(graph.size).toBeGreaterThan(40);
});

test('no import cycle among model/, properties/ and native/', () => {
  expect(cycles(graph)).toEqual([]);
});

test('model/ imports only model/', () => {
  for (const [f, to] of graph) if (f.startsWith('model')) expect([f, to.filter((t) => !t.startsWith('model'))]).toEqual([f, []]);
});

test('the layout table of docs/architecture.md names every folder of the code, and no folder that is gone', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const table = doc.slice(doc.indexOf('# How it is built'), doc.indexOf('## The C runtime\'s files'));
  const named = new Set([...table.matchAll(/^\| `([\w/.-]+)\/` \|/gm)].map((m) => m[1]));
  const folders = ['model', 'variants', 'properties', 'native', 'prover', 'bench', 'test', 'shrink-reports', 'live', 'findings', 'docs']
    .flatMap((d) => [d, ...(['properties'].includes(d) ? fs.readdirSync(path.join(ROOT, d), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${d}/${e.name}`) : [])]);
  expect([...folders].sort()).toEqual([...named].filter((n) => !n.startsWith('variants/')).sort());
  for (const n of named) expect([n, fs.existsSync(path.join(ROOT, n))]).toEqual([n, true]);
});
