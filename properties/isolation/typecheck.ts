// Type-checks variant files with the TypeScript compiler before they run, so a port that does
// not compile is refused with the file and the compiler's message, not a stack trace. The
// command does it in a child process of its own (typecheckInChild), under a time limit.

import { spawnSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import type * as TS from 'typescript';
import { closure, cacheDir, typescriptVersion } from './transpile';
import { VariantFileError } from '../registry';

const ROOT = path.join(__dirname, '..', '..');

/** The compiler, loaded only when a check really runs (a cached verdict needs none). */
const compiler = (): typeof TS => require('typescript') as typeof TS;

function compilerOptions(ts: typeof TS): TS.CompilerOptions {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options;
}

/** The compiler's messages for each file that does not compile (one program for all files). */
export function typecheckVariants(files: readonly string[]): Map<string, VariantFileError> {
  const out = new Map<string, VariantFileError>();
  if (files.length === 0) return out;
  const byPath = new Map(files.map((f) => [path.resolve(f), f]));
  const ts = compiler();
  // A variant needs Node's types only if it imports a module of Node's; the tests' jest types
  // never. Loading them costs more than checking a variant (about 0.6 s for Node's, 1.2 s for both).
  const usesNode = closure(files).some(([, text]) => /\bfrom\s*['"](?!\.)|\brequire\(\s*['"](?!\.)/.test(text));
  // an unused name in a port (a call commented out to try something) is not a reason to refuse it
  const program = ts.createProgram([...byPath.keys()], { ...compilerOptions(ts), noEmit: true, types: usesNode ? ['node'] : [], noUnusedLocals: false, noUnusedParameters: false });
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
  // only the variant files' own diagnostics: what they import is the harness's, checked by npm test
  for (const [abs, file] of byPath) {
    const sf = program.getSourceFile(abs);
    const mine = sf ? [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)] : [];
    if (mine.length) out.set(file, new VariantFileError(file, `does not compile:\n${ts.formatDiagnostics(mine, host).trimEnd()}`));
  }
  return out;
}

const CHILD = path.join(__dirname, 'typecheck-child.js');

/**
 * The files' verdict is a function of their text, what they import, the compiler and the
 * configuration: a check already made is kept under a hash of all of it (a cache like gcc's).
 */
function cacheFile(files: readonly string[]): string {
  const h = crypto.createHash('sha256').update(typescriptVersion()).update('\0');
  for (const f of [path.join(ROOT, 'tsconfig.json'), path.join(ROOT, 'package-lock.json')]) h.update(fs.existsSync(f) ? fs.readFileSync(f) : '').update('\0');
  h.update(JSON.stringify(files.map((f) => path.resolve(f)))).update('\0');
  for (const [file, text] of closure(files)) h.update(file).update('\0').update(text).update('\0');
  return path.join(cacheDir(), '..', 'gmem-typecheck', `${h.digest('hex').slice(0, 32)}.json`);
}

/** typecheckVariants() in a child process; a check that does not end within `limitMs` breaks every file. */
export function typecheckInChild(files: readonly string[], limitMs: number): Map<string, VariantFileError> {
  const out = new Map<string, VariantFileError>();
  if (files.length === 0) return out;
  const cached = cacheFile(files);
  if (fs.existsSync(cached)) {
    try {
      for (const { file, message } of JSON.parse(fs.readFileSync(cached, 'utf8')) as Array<{ file: string; message: string }>) {
        out.set(file, VariantFileError.said(file, message));
      }
      return out;
    } catch { /* a broken cache entry is checked again */ }
  }
  const r = spawnSync(process.execPath, [CHILD, ...files], { encoding: 'utf8', timeout: limitMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  let said: Array<{ file: string; message: string }> | undefined;
  try {
    said = r.status === 0 ? JSON.parse(r.stdout) : undefined;
  } catch {
    said = undefined;
  }
  if (!said) {
    const why = r.error?.message.includes('ETIMEDOUT') || r.signal === 'SIGKILL' ? `the type check did not finish within ${limitMs / 1000} s`
      : `the type check failed: ${(r.stderr || r.error?.message || `status ${r.status}`).trim().split('\n')[0]}`;
    for (const f of files) out.set(f, new VariantFileError(f, why));
    return out;
  }
  // the child's messages already name the file
  for (const { file, message } of said) out.set(file, VariantFileError.said(file, message));
  try {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.writeFileSync(`${cached}.${process.pid}.tmp`, JSON.stringify(said));
    fs.renameSync(`${cached}.${process.pid}.tmp`, cached);
  } catch { /* a read-only cache only costs time */ }
  return out;
}
