// The call log a variant's child writes for one case (the C driver, or a TypeScript variant's
// child through logged-kernel.ts), replayed through a fresh model kernel in the command. KVM's
// own WARNs, the walks and the events the properties judge come from this one replay, never
// from the variant's process; a return value the child reports that the replay disagrees with
// is a harness error.

import { BindStore, NewMemslot, WalkRecord, XA_PRESENT, makeKernel } from '../../model/kernel';
import { KvmEvent, PHASES, Phase } from '../../model/kvm';
import { Layout, viewsOf } from '../../model/layout';
import { Word } from '../../model/word';
import { Reply } from './sync-child';

/** The harness itself is wrong (a child and the model disagree, or the child rejected a request). */
export class NativeHarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeHarnessError';
  }
}

export interface Replayed {
  readonly events: readonly KvmEvent[];
  readonly walks: readonly WalkRecord[];
  /** A bind request's answer: what kvm_gmem_bind() returned, slot->gmem.pgoff and its stores. */
  readonly bound?: { readonly ret: number; readonly pgoff: bigint; readonly stores: readonly BindStore[] };
  readonly fault?: { readonly phase: Phase; readonly message: string; readonly hang?: boolean };
}

export interface LogSource {
  /** The program, as errors name it. */
  readonly who: string;
  /** 'C' or 'TypeScript': how a crash or an exit is told. */
  readonly language: 'C' | 'TypeScript';
  readonly word: Word;
  /** An exit status that means the child refused the request (a harness bug), if it has one. */
  readonly rejectStatus?: number;
}

class Malformed extends Error {}

const SIGNALS: Record<string, string> = {
  SIGSEGV: 'invalid memory reference', SIGBUS: 'bus error', SIGILL: 'illegal instruction',
  SIGFPE: 'arithmetic exception', SIGABRT: 'abort', SIGTRAP: 'trap', SIGSYS: 'bad system call',
  SIGKILL: 'killed', SIGTERM: 'terminated',
};

const flag = (s: string | undefined): boolean => {
  if (s !== '0' && s !== '1') throw new Malformed(`"${s ?? ''}" is not 0 or 1`);
  return s === '1';
};

/** A fault's message: JSON-quoted from TypeScript, bare from C (always a VariantFault there). */
function message(rest: string[], bareIsFault: boolean): string {
  const text = rest.join(' ');
  if (!text.startsWith('"')) return bareIsFault ? `VariantFault: ${text}` : text;
  try {
    const m = JSON.parse(text) as unknown;
    if (typeof m === 'string') return m;
  } catch { /* fall through */ }
  throw new Malformed(`the message ${text.slice(0, 60)} is not a JSON string`);
}

/** Replays a child's log of one case through a fresh model kernel. */
export function replayLog(layout: Layout, reply: Reply, src: LogSource): Replayed {
  const machine = makeKernel(layout, src.word);
  const { recorder, walks } = machine;
  // the view the calls are made on: the first until a "view N" line says otherwise
  let k = machine.kernel, view = 0;
  const views = viewsOf(layout);
  const u64 = (s: string | undefined): bigint => {
    if (s === undefined || !/^\d{1,20}$/.test(s)) throw new Malformed(`"${s ?? ''}" is not a number`);
    const x = BigInt(s);
    if (!src.word.fits(x)) throw new Malformed(`${s} does not fit in ${src.word.bits} bits`);
    return x;
  };
  let fault: Replayed['fault'];
  let bound: Replayed['bound'];
  const end = (text: string, hang = false) => { fault ??= { phase: recorder.phase, message: text, ...(hang ? { hang } : {}) }; };
  // C has no model of its own: a disagreement is the harness's bug. A TypeScript variant's
  // process runs its own copy of the model, which the variant can change: then it is the case's fault.
  const disagree = (what: string, child: boolean, model: boolean) => {
    const said = `${what} returned ${child} in the variant's process but ${model} in the model's replay`;
    if (src.language === 'C') throw new NativeHarnessError(`${src.who}: ${said}`);
    throw new Malformed(`${said}: the variant changed its process's copy of the model or of JavaScript's built-ins`);
  };
  const program = src.language === 'C' ? 'the C program' : "the variant's process";

  reply.lines.forEach((line, i) => {
    if (fault) return;
    const [op, ...a] = line.split(' ');
    try {
      if (i === 0 && line !== 'phase begin' && line !== 'phase bind') throw new Malformed('the reply does not start with "phase begin" or "phase bind"');
      switch (op) {
        case 'phase':
          if (!(PHASES as readonly string[]).includes(a[0])) throw new Malformed(`unknown phase "${a[0]}"`);
          recorder.phase = a[0] as Phase;
          break;
        case 'view': {
          const v = Number(u64(a[0]));
          if (v >= views.length) throw new Malformed(`view ${a[0]} is not one of the file's ${views.length} views`);
          view = v;
          k = machine.kernelFor(v);
          break;
        }
        case 'lock': k.KVM_MMU_LOCK(k.kvm); break;
        case 'unlock': k.KVM_MMU_UNLOCK(k.kvm); break;
        case 'inv_begin': k.kvm_mmu_invalidate_begin(k.kvm); break;
        case 'inv_end': k.kvm_mmu_invalidate_end(k.kvm); break;
        case 'flush': k.kvm_flush_remote_tlbs(k.kvm); break;
        case 'range_add': k.kvm_mmu_invalidate_range_add(k.kvm, u64(a[0]), u64(a[1])); break;
        case 'mmu_unmap':
        case 'unmap': {
          const slot = machine.slot(view, Number(u64(a[0])));
          if (!slot) throw new Malformed(`slot ${a[0]} is not bound${views.length > 1 ? ` in view ${view}` : ''}`);
          const range = { start: u64(a[1]), end: u64(a[2]), slot, may_block: true, attr_filter: Number(u64(a[4])) };
          const child = flag(a[3]);
          const model = op === 'mmu_unmap' ? k.kvm_mmu_unmap_gfn_range(k.kvm, range) : k.kvm_unmap_gfn_range(k.kvm, range);
          if (child !== model) disagree(op === 'mmu_unmap' ? 'kvm_mmu_unmap_gfn_range' : 'kvm_unmap_gfn_range', child, model);
          break;
        }
        case 'warn': k.WARN_ON_ONCE(true); break;
        case 'walk': k.xa_for_each_range(k.gmem.bindings, u64(a[0]), u64(a[1])); break;
        case 'find': {
          const model = k.xa_find(k.gmem.bindings, u64(a[0]), u64(a[1]), XA_PRESENT) !== null;
          const child = flag(a[2]);
          if (child !== model) disagree('xa_find', child, model);
          break;
        }
        case 'store': {
          // the model holds the store to the kernel's rules: the view's bindings, words
          const entry: NewMemslot = { id: Number(u64(a[2])), base_gfn: 0n, npages: 0n, gmem: { pgoff: 0n } };
          k.xa_store_range(k.gmem.bindings, u64(a[0]), u64(a[1]), entry);
          break;
        }
        case 'bound': {
          if (!/^-?\d{1,10}$/.test(a[0] ?? '') || !Number.isSafeInteger(Number(a[0]))) throw new Malformed(`"${a[0] ?? ''}" is not an int`);
          if (a[1] === 'bad') throw new Malformed('slot->gmem.pgoff was left as something that is not a pgoff_t');
          bound = { ret: Number(a[0]), pgoff: u64(a[1]), stores: machine.stores };
          break;
        }
        case 'fault':
        case 'throw':
          if (!(PHASES as readonly string[]).includes(a[0])) throw new Malformed(`unknown phase "${a[0]}"`);
          fault = { phase: a[0] as Phase, message: message(a.slice(1), op === 'fault') };
          break;
        default:
          throw new Malformed(`unknown record "${op}"`);
      }
    } catch (e) {
      if (!(e instanceof Malformed)) throw e;
      end(`MalformedOutput: line ${i + 1} of ${program}'s log, "${line.slice(0, 120)}": ${e.message}`);
    }
  });

  switch (reply.kind) {
    case 'ok':
      if (reply.lines.length === 0) end(`MalformedOutput: ${program} wrote nothing for the case`);
      break;
    case 'signal': {
      // a SIGKILL the harness did not send comes from outside: the kernel's OOM killer, most often
      const oom = reply.lastRssMb !== undefined
        ? ` (not sent by the harness: the kernel's OOM killer sends it when the machine runs out of memory${reply.lastRssMb > 0 ? `; the process held ${reply.lastRssMb} MB at the last look` : ''})` : '';
      end(`Crash: ${program} was killed by ${reply.signal} (${SIGNALS[reply.signal] ?? 'signal'})${oom} in the middle of the case; a new one is started for the next case`);
      break;
    }
    case 'memory':
      end(`OutOfMemory: ${reply.evidence !== undefined
        ? `it reached its heap limit and V8 stopped it (${reply.signal ?? 'an exit'}: "${reply.evidence}")`
        : `it held ${reply.rssMb} MB, past the limit of ${reply.limitMb} MB, and was stopped`}; a new process is started for the next case`);
      break;
    case 'exit':
      if (src.rejectStatus !== undefined && reply.code === src.rejectStatus) throw new NativeHarnessError(`${src.who} rejected a request (see its stderr)`);
      end(reply.why
        ? `Exit: ${program} could not start: ${reply.why}`
        : `Exit: ${program} exited with status ${reply.code} in the middle of the case; a new one is started for the next case`);
      break;
    case 'hang':
      end(`Hang: no return after ${reply.cpuMs} ms of CPU in ${reply.wallMs} ms`, true);
      break;
    case 'not-run':
      // the runner answers such a case itself, with what stopped it
      throw new NativeHarnessError(`${src.who}: a case that was not run has no log to replay`);
    case 'malformed':
      end(`MalformedOutput: ${reply.why}; a new process is started for the next case`);
      break;
    case 'spawn-error':
      throw new NativeHarnessError(`cannot run ${src.who}: ${reply.message}`);
  }
  return { events: recorder.events, walks, ...(bound && !fault ? { bound } : {}), fault };
}
