// Compiles a C variant into a small program: its translation unit (shim, variant, glue) with
// native/driver.c, by gcc -O2 -Wall -Wextra. The program is cached under a hash of everything
// that goes into it (gcc's version, flags, shim, driver, unit), its warnings kept beside it.

import { spawnSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';

export const NATIVE_DIR = __dirname;
export const INCLUDE_DIR = path.join(NATIVE_DIR, 'include');
export const SHIM_HEADER = path.join(INCLUDE_DIR, 'kvm_gmem_shim.h');
export const DRIVER_C = path.join(NATIVE_DIR, 'driver.c');

/** -Werror=implicit-function-declaration: a kernel call the shim lacks is an error at its line, not at link time. */
export const CFLAGS = [
  '-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror=implicit-function-declaration',
  // the kernel's own: unsigned and signed arithmetic wraps (gcc 8 on: -fno-strict-overflow is
  // -fwrapv -fwrapv-pointer, so a loff_t sum past LLONG_MAX wraps as 6.8's kvm_gmem_bind() needs),
  // no type-based alias analysis, and no -Wsign-compare (scripts/Makefile.extrawarn turns it off
  // below W=3: 7.2's kvm_gmem_bind() compares its uoff_t sum with the loff_t i_size_read())
  '-fno-strict-overflow', '-fno-strict-aliasing', '-Wno-sign-compare', '-fdiagnostics-color=never',
];

/** Added by `sanitize: true`: ASan and UBSan, every finding fatal (the child exits with status 1, its report on stderr, with lines: -g). */
const SANITIZE_CFLAGS = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=all', '-g'];

export interface CompileOptions {
  /** The compiler to run; default $CC or gcc on PATH. */
  readonly gcc?: string;
  /** Where programs are cached; default node_modules/.cache/gmem-native or a folder in the temp dir. */
  readonly cacheDir?: string;
  /** The environment gcc runs in (PATH decides which gcc when `gcc` is a bare name). */
  readonly env?: NodeJS.ProcessEnv;
  /** Build with SANITIZE_CFLAGS too (a program of its own in the cache); for the harness's tests. */
  readonly sanitize?: boolean;
}

export interface TranslationUnit {
  /** The file it comes from, as diagnostics name it. */
  readonly file: string;
  /** The C text, #including the shim, with #line directives mapping back to `file`. */
  readonly text: string;
}

export interface Compiled {
  readonly binary: string;
  /** gcc's warnings, empty when there are none; shown on every load, cached or not. */
  readonly warnings: string;
  readonly cached: boolean;
}

export class GccNotFoundError extends Error {
  constructor(readonly gcc: string) {
    super(
      `cannot run the C compiler "${gcc}": C variants need gcc. Install it ` +
      '(Debian/Ubuntu: apt-get install gcc; Fedora: dnf install gcc; Alpine: apk add gcc musl-dev) ' +
      'or name one with CC=...; the TypeScript variants run without it.',
    );
    this.name = 'GccNotFoundError';
  }
}

/** gcc refused the unit: the first error, at the variant's file and line, and gcc's full output. */
export class CCompileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly gccMessage: string,
    readonly output: string,
  ) {
    super(`${file}:${line}:${column}: ${gccMessage}\n${output.trimEnd()}`);
    this.name = 'CCompileError';
  }
}

function defaultCacheDir(): string {
  if (process.env.GMEM_NATIVE_CACHE) return process.env.GMEM_NATIVE_CACHE;
  const modules = path.join(NATIVE_DIR, '..', 'node_modules');
  if (fs.existsSync(modules)) return path.join(modules, '.cache', 'gmem-native');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `gmem-native-${uid}`);
}

const versions = new Map<string, string>();

function gccVersion(gcc: string, env: NodeJS.ProcessEnv): string {
  const key = `${gcc}\0${env.PATH ?? ''}`;
  let v = versions.get(key);
  if (v === undefined) {
    const r = spawnSync(gcc, ['-dumpfullversion', '-dumpmachine'], { encoding: 'utf8', env });
    if (r.error || r.status !== 0) throw new GccNotFoundError(gcc);
    v = r.stdout.trim();
    versions.set(key, v);
  }
  return v;
}

const DIAGNOSTIC = /^(.+?):(\d+):(?:(\d+):)? (fatal error|error|note|warning): (.*)$/;

/** The first error, moved out of the shim to the variant's line when it arose in a shim macro. */
export function firstError(output: string, fallbackFile: string): { file: string; line: number; column: number; message: string } {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => { const m = DIAGNOSTIC.exec(l); return m !== null && m[4].endsWith('error'); });
  if (at < 0) {
    const link = output.split('\n').find((l) => /undefined reference|error:|ld returned/.test(l));
    return { file: fallbackFile, line: 0, column: 0, message: (link ?? output.trim().split('\n')[0] ?? 'gcc failed').trim() };
  }
  const m = DIAGNOSTIC.exec(lines[at])!;
  let where = { file: m[1], line: Number(m[2]), column: Number(m[3] ?? 0) };
  if (path.resolve(where.file) === SHIM_HEADER) {
    for (const l of lines.slice(at + 1)) {
      const n = DIAGNOSTIC.exec(l);
      if (!n) continue;
      if (n[4] !== 'note') break;
      if (path.resolve(n[1]) !== SHIM_HEADER && /in expansion of macro/.test(n[5])) {
        where = { file: n[1], line: Number(n[2]), column: Number(n[3] ?? 0) };
      }
    }
  }
  return { ...where, message: `${m[4]}: ${m[5]}` };
}

/** A program gcc builds, as buildProgram() caches it. */
export interface ProgramSpec {
  /** Its name in the cache, before the hash. */
  readonly name: string;
  /** What it is built from besides gcc and its flags (source texts): part of the cache key. */
  readonly inputs: readonly string[];
  /** A source generated for it (a variant's unit): written for gcc, kept beside the program. */
  readonly generated?: { readonly text: string; readonly shownAs: string };
  /** gcc's arguments after the flags: build into `out`, from `generated` (its path) if there is one. */
  readonly args: (out: string, generated: string) => string[];
  /** The file a diagnostic is blamed on when gcc's output names none. */
  readonly file: string;
}

/**
 * A program from the cache, or built now: the cache key is gcc, its version, the flags and the
 * spec's inputs. Throws GccNotFoundError or CCompileError.
 */
export function buildProgram(spec: ProgramSpec, opts: CompileOptions = {}): Compiled {
  const env = opts.env ?? process.env;
  const gcc = opts.gcc ?? env.CC ?? 'gcc';
  const version = gccVersion(gcc, env);
  const dir = opts.cacheDir ?? defaultCacheDir();
  const flags = opts.sanitize ? [...CFLAGS, ...SANITIZE_CFLAGS] : CFLAGS;
  const hash = crypto.createHash('sha256');
  for (const part of [gcc, version, flags.join(' '), ...spec.inputs, spec.generated?.text ?? '']) hash.update(part).update('\0');
  const binary = path.join(dir, `${spec.name}-${hash.digest('hex').slice(0, 24)}`);
  const warningsFile = `${binary}.warnings`;
  if (fs.existsSync(binary) && fs.existsSync(warningsFile)) {
    return { binary, warnings: fs.readFileSync(warningsFile, 'utf8'), cached: true };
  }
  fs.mkdirSync(dir, { recursive: true });
  // parallel test workers may build the same key: each builds under its own names, then renames
  const tmp = `${binary}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  if (spec.generated) fs.writeFileSync(`${tmp}.c`, spec.generated.text);
  try {
    const r = spawnSync(gcc, [...flags, ...spec.args(tmp, `${tmp}.c`)], { encoding: 'utf8', env });
    if (r.error) throw new GccNotFoundError(gcc);
    const raw = r.stderr ?? '';
    const output = spec.generated ? raw.split(`${tmp}.c`).join(spec.generated.shownAs) : raw;
    if (r.status !== 0) {
      const e = firstError(output, spec.file);
      // a whole guest_memfd.c of a tree includes the kernel's headers: --from-kernel takes what it needs from it
      const hint = /fatal error: linux\/[\w/]+\.h: No such file/.test(output) && !spec.generated
        ? `\n(${spec.file} includes the kernel's headers: a whole guest_memfd.c goes through --from-kernel <its tree or the file>, which takes the invalidation functions out of it)`
        : '';
      throw new CCompileError(e.file, e.line, e.column, e.message, output + hint);
    }
    fs.writeFileSync(`${tmp}.warnings`, output);
    fs.renameSync(`${tmp}.warnings`, warningsFile);
    if (spec.generated) fs.renameSync(`${tmp}.c`, `${binary}.c`);
    fs.renameSync(tmp, binary);
    return { binary, warnings: output, cached: false };
  } finally {
    for (const f of [tmp, `${tmp}.c`, `${tmp}.warnings`]) fs.rmSync(f, { force: true });
  }
}

/**
 * The driver's object file, built once for a set of flags: each variant's program links it, so a
 * cold cache compiles driver.c once, not once per variant (gcc takes a file without a known
 * suffix for an object file).
 */
function driverObject(opts: CompileOptions): string {
  return buildProgram({
    name: 'driver',
    inputs: [fs.readFileSync(SHIM_HEADER, 'utf8'), fs.readFileSync(DRIVER_C, 'utf8')],
    args: (out) => ['-c', '-I', INCLUDE_DIR, '-o', out, DRIVER_C],
    file: DRIVER_C,
  }, opts).binary;
}

/** The program for a variant's `unit` (with the shim and the driver), from the cache or freshly built. */
export function compileUnit(unit: TranslationUnit, opts: CompileOptions = {}): Compiled {
  const driver = driverObject(opts);
  return buildProgram({
    name: 'variant',
    // the object's name carries the hash of what it was built from
    inputs: [fs.readFileSync(SHIM_HEADER, 'utf8'), path.basename(driver)],
    generated: { text: unit.text, shownAs: `<harness unit of ${unit.file}>` },
    args: (out, source) => ['-I', INCLUDE_DIR, '-o', out, source, driver],
    file: unit.file,
  }, opts);
}

/** The translation unit of a C variant file: the shim, the file as written, then the era's glue. */
export function unitOf(file: string, source: string, glueText: string): TranslationUnit {
  const shown = JSON.stringify(file);
  return {
    file,
    text: `#include "kvm_gmem_shim.h"\n#line 1 ${shown}\n${source}${source.endsWith('\n') ? '' : '\n'}#line 1 "<harness glue>"\n${glueText}`,
  };
}
