// Every command the docs show stays runnable: each `npm run …` (or `npx gmem-check …`) line of a
// fenced block in README.md and docs/ names a script package.json has, and a check's flags parse
// with the command's own parser, as they are written (placeholders such as <name> or ~/linux are
// values, not flags, and parse as such).

import fs from 'fs';
import path from 'path';
import { parseArgs } from '../properties/command/args';
import { parseCli } from '../live/conformance';
import { parseProveArgs } from '../properties/command/prove';
import { ROOT } from './command-helpers';

const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

/** README.md and every Markdown file under docs/. */
function docs(): string[] {
  const dir = path.join(ROOT, 'docs');
  const under = fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f)) : [];
  return ['README.md', ...under.sort()];
}

/** The words of a shell command as the shell splits them (quotes kept together, a comment dropped). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.replace(/\s#.*$/, '').matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

interface Shown { readonly file: string; readonly line: number; readonly text: string; readonly argv: string[]; readonly script: string }

/** Each npm run / npx gmem-check command in a fenced block, with its arguments after `--`. */
function commands(): Shown[] {
  const out: Shown[] = [];
  for (const file of docs()) {
    const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
    let fenced = false;
    lines.forEach((raw, i) => {
      if (/^\s*```/.test(raw)) { fenced = !fenced; return; }
      if (!fenced) return;
      for (const part of raw.replace(/^\s*\$\s+/, '').split(/&&|;|\|(?!\|)/)) {
        const w = words(part.trim()).filter((x, k, all) => !(k < all.indexOf('npm') && /^[A-Z_]+=/.test(x)));
        const at = w.findIndex((x, k) => (x === 'npm' && w[k + 1] === 'run') || (x === 'npx' && w[k + 1] === 'gmem-check'));
        if (at < 0) continue;
        const rest = w.slice(at + 2).filter((x) => x !== '-s' && x !== '--silent');
        const script = w[at] === 'npx' ? 'check' : rest.shift()!;
        const dash = rest.indexOf('--');
        const argv = w[at] === 'npx' ? rest : dash < 0 ? [] : rest.slice(dash + 1);
        out.push({ file, line: i + 1, text: part.trim(), argv, script });
      }
    });
  }
  return out;
}

const shown = commands();

test('the docs show commands, and each names a script of package.json', () => {
  expect(shown.filter((c) => c.script === 'check').length).toBeGreaterThan(5);
  expect(shown.filter((c) => !scripts.includes(c.script)).map((c) => `${c.file}:${c.line}: ${c.text}`)).toEqual([]);
});

test('every npm run check line of the docs parses with the current flags', () => {
  const bad: string[] = [];
  for (const c of shown.filter((x) => x.script === 'check')) {
    try {
      parseArgs(c.argv, {});
    } catch (e) {
      bad.push(`${c.file}:${c.line}: ${c.text}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  expect(bad).toEqual([]);
});

test('every npm run kvm line of the docs parses with its flags', () => {
  const bad: string[] = [];
  for (const c of shown.filter((x) => x.script === 'kvm')) {
    try {
      parseCli(c.argv, {});
    } catch (e) {
      bad.push(`${c.file}:${c.line}: ${c.text}: ${(e as Error).message}`);
    }
  }
  expect(bad).toEqual([]);
});

test('every npm run prove line of the docs parses with its flags', () => {
  const bad: string[] = [];
  for (const c of shown.filter((x) => x.script === 'prove')) {
    try {
      parseProveArgs(c.argv);
    } catch (e) {
      bad.push(`${c.file}:${c.line}: ${c.text}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  expect(bad).toEqual([]);
});

/** Each relative Markdown link of the docs, as [file, line, target]. */
function links(): [string, number, string][] {
  const out: [string, number, string][] = [];
  for (const file of docs()) {
    fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').forEach((text, i) => {
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) if (!/^[a-z]+:|^#/.test(m[1])) out.push([file, i + 1, m[1].replace(/#.*$/, '')]);
    });
  }
  return out;
}

test('every relative link of the README and the docs names a file or folder that exists', () => {
  const all = links();
  expect(all.length).toBeGreaterThan(20);
  expect(all.filter(([file, , to]) => !fs.existsSync(path.join(ROOT, path.dirname(file), to))).map(([f, l, to]) => `${f}:${l}: ${to}`)).toEqual([]);
});

test('a flag the command does not have is caught (the test can fail)', () => {
  expect(() => parseArgs(words('--xarray both variants/upstream.ts'), {})).toThrow(/unknown option --xarray/);
  expect(() => parseProveArgs(words('--xarray both variants/upstream.ts'))).toThrow(/^unknown option --xarray \(see --help\)$/);
});
