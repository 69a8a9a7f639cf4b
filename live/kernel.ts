// The live kernel from TypeScript: live/runner.c compiled (through native/compile.ts and its cache),
// a probe of this machine's /dev/kvm, and runLive(), which hands cases to the program and reads
// back what the kernel answered and what the guest saw. live/ is its own folder because it is a
// third runtime (see live/runner.c): nothing outside the live check loads it.
//
// GMEM_KVM_DEVICE names another device file (a missing one simulates a machine without KVM).

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ERRNO_NUMBERS } from '../model/errno';
import { BindEra } from '../model/rules';
import { Compiled, GccNotFoundError, buildProgram } from '../native/compile';
import { kernelBuild, noGuestMemfdCause } from './kernel-build';
import { readSwitch } from '../properties/engine/settings';
import { Case } from '../properties/case';
import { LIVE_GFN_LIMIT } from '../properties/live-arbitraries';

export const LIVE_DIR = __dirname;
export const RUNNER_C = path.join(LIVE_DIR, 'runner.c');

/** errno values of x86-64 Linux, as the runner prints them. */
export const ERRNO: Readonly<Record<string, number>> = ERRNO_NUMBERS;

/**
 * The kvm_gmem_bind() era of a kernel, by its release (uname -r): '7.2' from 7.2 on, '6.8'
 * before (model/rules.ts BindEra). A stable kernel before 7.2 with eba85fee7fc6 backported
 * answers as 7.2 to an overflowing offset and reads as 6.8 here.
 */
export function kernelBindEra(release: string = os.release()): BindEra {
  const m = /^(\d+)\.(\d+)/.exec(release);
  const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  return major > 7 || (major === 7 && minor >= 2) ? '7.2' : '6.8';
}
export const errnoName = (n: number): string =>
  n === 0 ? 'ok' : Object.entries(ERRNO).find(([, v]) => v === n)?.[0] ?? `errno ${n}`;

export const kvmDevice = (env: NodeJS.ProcessEnv = process.env): string => env.GMEM_KVM_DEVICE || '/dev/kvm';

/**
 * GMEM_REQUIRE_KVM=1: a live check that cannot run fails instead of skipping (for a CI whose
 * machines have KVM with guest_memfd). Throws a SettingError for a value other than 1 or 0.
 */
export const liveRequired = (env: NodeJS.ProcessEnv = process.env): boolean => readSwitch('GMEM_REQUIRE_KVM', env.GMEM_REQUIRE_KVM);

/** What a live command says when it was required to run and cannot. */
export const requiredButUnusable = (why: string): string => `the live kernel is required (--require-live or GMEM_REQUIRE_KVM=1) and cannot be used: ${why}`;

export interface LiveOptions {
  /** userspace_addr of the gmem slots: a PROT_NONE reservation (default) or the host mmap of the file. */
  readonly hva?: 'none' | 'mmap';
}

/** Cases per run of the program. */
const BATCH = 100;
/** A run of the program is killed after this long (the runner bounds each pass at 10 s). */
const RUN_LIMIT_MS = 120_000;

// ---- the program ----

/** Where compiled programs (and generated repro sources) are kept. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GMEM_NATIVE_CACHE) return path.join(env.GMEM_NATIVE_CACHE, 'live');
  const modules = path.join(LIVE_DIR, '..', 'node_modules');
  if (fs.existsSync(modules)) return path.join(modules, '.cache', 'gmem-live');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `gmem-live-${uid}`);
}

export type Program = Compiled;

/**
 * A C program of this repo (live/runner.c with live/guest.h, findings/*.c, a generated repro)
 * built by native/compile.ts with its flags and cache, the files it #includes from beside it
 * part of the key. Throws GccNotFoundError or CCompileError.
 */
export function compileProgram(file: string, env: NodeJS.ProcessEnv = process.env): Program {
  const source = fs.readFileSync(file, 'utf8');
  const local = [...source.matchAll(/^#include "([^"]+)"/gm)].map((m) => fs.readFileSync(path.join(path.dirname(file), m[1]), 'utf8'));
  return buildProgram({ name: path.basename(file, '.c'), inputs: [source, ...local], args: (out) => ['-o', out, file], file }, { env, cacheDir: cacheDir(env) });
}

/** The live runner, compiled. */
export const compileRunner = (env: NodeJS.ProcessEnv = process.env): Program => compileProgram(RUNNER_C, env);

// ---- the probe ----

export type LiveAvailability = { readonly ok: true } | { readonly ok: false; readonly why: string };

const probes = new Map<string, LiveAvailability>();

/**
 * Whether this machine can run live cases: /dev/kvm (or GMEM_KVM_DEVICE) there and openable,
 * KVM_CAP_GUEST_MEMFD, the MMAP|INIT_SHARED flags, and a guest that reads a guest_memfd page
 * runs to its end. Without gcc the runner cannot be built: that is a reason too. Cached per device.
 */
export function liveKvm(env: NodeJS.ProcessEnv = process.env): LiveAvailability {
  const device = kvmDevice(env);
  const known = probes.get(device);
  if (known) return known;
  let answer: LiveAvailability;
  if (!fs.existsSync(device)) {
    answer = { ok: false, why: `${device} does not exist (no KVM here)` };
  } else {
    let runner: Program | undefined;
    try {
      runner = compileRunner(env);
    } catch (e) {
      if (!(e instanceof GccNotFoundError)) throw e;
      answer = { ok: false, why: `no C compiler to build live/runner.c (${e.gcc})` };
    }
    if (runner) {
      const r = spawnSync(runner.binary, ['--probe', '--device', device], { encoding: 'utf8', timeout: 60_000 });
      const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
      let parsed: { ok?: boolean; why?: string; gfn_limit?: number; no_guest_memfd?: unknown } | undefined;
      try { parsed = JSON.parse(line); } catch { parsed = undefined; }
      if (parsed?.ok === true && BigInt(parsed.gfn_limit ?? -1) !== LIVE_GFN_LIMIT) {
        throw new Error(`live/runner.c reads gfns below ${parsed.gfn_limit}, the live generator assumes ${LIVE_GFN_LIMIT}`);
      }
      if (parsed?.ok === true) answer = { ok: true };
      // without guest_memfd the probe says what KVM answered, and the kernel's build says why
      else if (parsed?.ok === false) answer = { ok: false, why: parsed.no_guest_memfd ? `${parsed.why}: ${noGuestMemfdCause(kernelBuild())}` : String(parsed.why) };
      else answer = { ok: false, why: `the probe of ${device} gave no answer (${r.error?.message ?? r.signal ?? `exit ${r.status}`}${r.stderr ? `: ${r.stderr.trim()}` : ''})` };
    }
  }
  probes.set(device, answer!);
  return answer!;
}

// ---- running cases ----

/** What one gfn read: a file page's value, zero, no access (an exit), or anything else. */
export type GfnRead =
  | { readonly kind: 'page'; readonly index: bigint }
  | { readonly kind: 'zero' }
  /** KVM_RUN failed with EFAULT and KVM_EXIT_MEMORY_FAULT: guest_memfd had no page for it. */
  | { readonly kind: 'fault' }
  /** KVM_EXIT_MMIO: no memory behind the gfn. */
  | { readonly kind: 'mmio' }
  | { readonly kind: 'other'; readonly value: bigint }
  /** The guest never wrote its result (a harness error if it ever shows). */
  | { readonly kind: 'unread' };

export interface LiveSlot {
  readonly id: number;
  /** One entry per gfn of the slot, base_gfn first: the first pass (after binding), the second (after the operation). */
  readonly before: readonly GfnRead[];
  readonly after: readonly GfnRead[];
}

/** A counter of KVM_GET_STATS_FD at three points: after the first pass, after the operation, after the second pass. */
export type Counter = readonly [number, number, number];

export type LiveResult =
  | { readonly kind: 'skipped'; readonly why: string }
  | { readonly kind: 'error'; readonly why: string; readonly line?: string }
  | {
    readonly kind: 'ran';
    /** errno of each step, 0 when it succeeded; a step after a failed one is absent. */
    readonly vm: number;
    readonly gmem?: number;
    /** One per slot of the case, in its order. */
    readonly binds?: readonly number[];
    readonly op?: { readonly kind: 'punch' | 'release'; readonly errno: number };
    /** The slots that were bound, in case order. */
    readonly slots?: readonly LiveSlot[];
    readonly stats?: Readonly<Record<string, Counter>>;
    /** The program's own line, for the record. */
    readonly line: string;
  };

const U64_MAX = (1n << 64n) - 1n;

/** The case as the runner's input line (see live/runner.c). Throws for a value the line cannot carry. */
export function caseLine(tag: string, c: Case): string {
  const u64 = (name: string, x: bigint) => {
    if (x < 0n || x > U64_MAX) throw new RangeError(`${name} must be a __u64, got ${x}`);
    return x.toString();
  };
  const op = c.op;
  const head = op.kind === 'punch' ? `punch ${op.mode} ${op.offset} ${op.len}` : op.kind === 'release' ? 'release 0 0 0' : null;
  if (head === null) throw new RangeError('memory failure is never performed live');
  const slots = c.layout.slots.map((s) => `${s.id} ${u64('pgoff', s.pgoff)} ${u64('npages', s.npages)} ${u64('base_gfn', s.base_gfn)}`);
  return [`C ${tag} ${u64('filePages', c.layout.filePages)} ${head} ${c.layout.slots.length}`, ...slots].join(' ');
}

type Run = ['i', number, number] | ['z' | 'f' | 'm' | 'p', number] | ['x', string];

function expand(runs: readonly Run[], n: bigint): GfnRead[] {
  const out: GfnRead[] = [];
  for (const r of runs) {
    switch (r[0]) {
      case 'i': for (let k = 0; k < r[2]; k++) out.push({ kind: 'page', index: BigInt(r[1] + k) }); break;
      case 'z': for (let k = 0; k < r[1]; k++) out.push({ kind: 'zero' }); break;
      case 'f': for (let k = 0; k < r[1]; k++) out.push({ kind: 'fault' }); break;
      case 'm': for (let k = 0; k < r[1]; k++) out.push({ kind: 'mmio' }); break;
      case 'p': for (let k = 0; k < r[1]; k++) out.push({ kind: 'unread' }); break;
      case 'x': out.push({ kind: 'other', value: BigInt(`0x${r[1]}`) }); break;
    }
  }
  if (BigInt(out.length) !== n) throw new Error(`the runner reported ${out.length} reads for a slot of ${n} pages`);
  return out;
}

interface RawLine {
  tag: string;
  vm?: number;
  gmem?: number;
  binds?: number[];
  op?: { kind: 'punch' | 'release'; errno: number };
  slots?: Array<{ id: number; before: Run[]; after: Run[] }>;
  stats?: Record<string, [number, number, number]>;
  error?: string;
}

function parseResult(c: Case, line: string): LiveResult {
  let raw: RawLine;
  try {
    raw = JSON.parse(line) as RawLine;
  } catch {
    return { kind: 'error', why: 'the runner printed a line that is not JSON', line };
  }
  if (raw.error !== undefined) return { kind: 'error', why: raw.error, line };
  if (raw.vm === undefined) return { kind: 'error', why: 'the runner reported no KVM_CREATE_VM result', line };
  const bound = (raw.binds ?? []).map((e, i) => (e === 0 ? c.layout.slots[i] : undefined)).filter((s) => s !== undefined);
  let slots: LiveSlot[] | undefined;
  try {
    slots = raw.slots?.map((s, i) => {
      const spec = bound[i];
      if (!spec || spec.id !== s.id) throw new Error(`the runner reported slot ${s.id} out of order`);
      return { id: s.id, before: expand(s.before, spec.npages), after: expand(s.after, spec.npages) };
    });
  } catch (e) {
    // a line that does not fit its case is the runner's fault, told as such, not a crash of the run
    return { kind: 'error', why: (e as Error).message, line };
  }
  return { kind: 'ran', vm: raw.vm, gmem: raw.gmem, binds: raw.binds, op: raw.op, slots, stats: raw.stats, line };
}

/**
 * Runs the cases on the live kernel, in batches, one program per batch, each case in a VM of
 * its own. Memory failure cases are skipped (never performed live). Results in input order.
 */
export function runLive(cases: readonly Case[], opts: LiveOptions = {}): LiveResult[] {
  const runner = compileRunner();
  const out: LiveResult[] = new Array(cases.length);
  const todo: number[] = [];
  cases.forEach((c, i) => {
    if (c.op.kind === 'memory-failure') out[i] = { kind: 'skipped', why: 'memory failure is never performed live' };
    else todo.push(i);
  });
  for (let at = 0; at < todo.length; at += BATCH) {
    const batch = todo.slice(at, at + BATCH);
    const input = batch.map((i) => caseLine(String(i), cases[i])).join('\n') + '\n';
    const r = spawnSync(runner.binary, ['--device', kvmDevice(), '--hva', opts.hva ?? 'none'], {
      input, encoding: 'utf8', maxBuffer: 1 << 30, timeout: RUN_LIMIT_MS,
    });
    const lines = (r.stdout ?? '').split('\n').filter((l) => l.length > 0);
    const byTag = new Map<string, string>();
    for (const l of lines) {
      const m = /^\{"tag":"([^"]*)"/.exec(l);
      if (m) byTag.set(m[1], l);
    }
    const died = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : r.status !== 0 ? `exit ${r.status}` : '';
    for (const i of batch) {
      const line = byTag.get(String(i));
      out[i] = line !== undefined
        ? parseResult(cases[i], line)
        : { kind: 'error', why: `the runner gave no result for this case (${died || 'no line'}${r.stderr ? `: ${r.stderr.trim().slice(0, 500)}` : ''})` };
    }
  }
  return out;
}
