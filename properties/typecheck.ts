// Type-checks variant files with the TypeScript compiler before they run, so a port that does
// not compile is refused with the file and the compiler's message, not a stack trace.

import path from 'path';
import ts from 'typescript';
import { VariantFileError } from './registry';

const ROOT = path.join(__dirname, '..');

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options;
}

/** The compiler's messages for each file that does not compile (one program for all files). */
export function typecheckVariants(files: readonly string[]): Map<string, VariantFileError> {
  const out = new Map<string, VariantFileError>();
  if (files.length === 0) return out;
  const byPath = new Map(files.map((f) => [path.resolve(f), f]));
  const program = ts.createProgram([...byPath.keys()], { ...compilerOptions(), noEmit: true });
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
  const diagnostics = ts.getPreEmitDiagnostics(program);
  for (const [abs, file] of byPath) {
    const mine = diagnostics.filter((d) => d.file && path.resolve(d.file.fileName) === abs);
    if (mine.length) out.set(file, new VariantFileError(file, `does not compile:\n${ts.formatDiagnostics(mine, host).trimEnd()}`));
  }
  return out;
}
