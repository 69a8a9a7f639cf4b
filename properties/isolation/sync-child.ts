// A child process that a synchronous caller can talk to: a worker thread (supervisor.js, one for
// every SyncChild of the process) owns the process and its pipes, and the caller blocks on
// Atomics.wait() until the worker has the replies of a whole batch. This is what lets fast-check's synchronous property call a variant
// that runs in another process, shrinking included, without a process per case.

import fs from 'fs';
import path from 'path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';

/** What became of one request: its protocol lines, and how the case ended if not normally. */
export type Reply =
  | { readonly kind: 'ok'; readonly lines: readonly string[] }
  /** `lastRssMb`: for a SIGKILL the harness did not send, the child's memory at the last look. */
  | { readonly kind: 'signal'; readonly lines: readonly string[]; readonly signal: string; readonly lastRssMb?: number }
  /** Out of memory: past `limitMb` (killed at `rssMb`), or at V8's heap limit (`evidence`, its words). */
  | { readonly kind: 'memory'; readonly lines: readonly string[]; readonly rssMb?: number; readonly limitMb?: number; readonly evidence?: string; readonly signal?: string }
  | { readonly kind: 'exit'; readonly lines: readonly string[]; readonly code: number | null; readonly why?: string }
  /** A hang candidate: `cpuMs` of CPU (-1 unknown) in `wallMs`; `blocked` when wall time, not CPU, ran out. */
  | { readonly kind: 'hang'; readonly lines: readonly string[]; readonly cpuMs: number; readonly wallMs: number; readonly blocked: boolean; readonly limitMs: number }
  /** Not sent: an earlier case of the batch was a hang candidate. */
  | { readonly kind: 'not-run'; readonly lines: readonly string[] }
  | { readonly kind: 'malformed'; readonly lines: readonly string[]; readonly why: string }
  | { readonly kind: 'spawn-error'; readonly lines: readonly string[]; readonly message: string };

/**
 * The smallest CPU limit a case clock can keep: CPU time is read from /proc in clock ticks of
 * 10 ms, so a limit of a tick or two takes a case that did almost nothing for a hang.
 */
export const MIN_LIMIT_MS = 100;

export interface Limits {
  /** CPU time a case may use before it is a hang candidate. */
  readonly limitMs: number;
  /** Wall time after which a case that uses no CPU (blocked) is a hang candidate. */
  readonly blockedMs: number;
}

export interface SyncChildOptions {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** The descriptor the child writes its protocol on: 1 (its stdout) or 3 (then stdout is output). */
  readonly protocolFd?: 1 | 3;
  /** The child ends each case's stderr with "\x01\n" (the C driver): a batch waits for its cases' output. */
  readonly outputMarks?: boolean;
  /** Whatever the child printed (its printk, a variant's console.log), at the end of each batch. */
  readonly onOutput?: (text: string) => void;
  /** Test hook: the supervisor notifies this late after each reply (test/isolation-wait.test.ts). */
  readonly testNotifyDelayMs?: number;
  /** Test hook: this process pauses this long after each post, before it waits, as a busy machine may. */
  readonly testPauseAfterPostMs?: number;
  /** A child that has not said it is ready after this much wall time (on the slowest machine we run on) is killed (default 60 s). */
  readonly startupMs?: number;
  /** ... or after this much CPU time: its top-level code does not return (default 10 s). */
  readonly startupCpuMs?: number;
  /** Resident memory a child may reach while it runs a case (default 512 MB): past it, the case is a memory fault. */
  readonly memoryLimitMb?: number;
}

/** The worker or its child broke the protocol: a bug of the harness, not a verdict. */
export class IsolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IsolationError';
  }
}

const SUPERVISOR = path.join(__dirname, 'supervisor.js');
/** The worker answers every message within the limits it was given; this bounds a broken worker. */
const WORKER_SLACK_MS = 120_000;
/** How long a reply whose flag is set may take to become receivable before that is a harness error. */
export const MESSAGE_GRACE_MS = 100;
const DEFAULT_STARTUP_MS = 60_000, DEFAULT_STARTUP_CPU_MS = 10_000;
/** A variant's process holds one small case at a time (50 MB for Node, a few for C): ten times that is a leak. */
export const DEFAULT_MEMORY_LIMIT_MB = 512;

/**
 * The supervisor thread, started with the first SyncChild and shared by all: a thread costs
 * about as much CPU to start as a Node child process (measured: 150 ms), and a check starts a
 * fresh process for every failure it confirms.
 */
interface Supervisor { readonly worker: Worker; /** its OS thread id, once it has said (Linux) */ readonly tid: Int32Array }
let supervisor: Supervisor | null = null;
/** False once the thread is gone: seen without the event loop, which a waiting caller does not run. */
function alive(s: Supervisor): boolean {
  const tid = Atomics.load(s.tid, 0);
  return tid === 0 || fs.existsSync(`/proc/self/task/${tid}`);
}
function supervisorThread(): Supervisor {
  if (supervisor && alive(supervisor)) return supervisor;
  const tid = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(SUPERVISOR, { workerData: { tid: tid.buffer }, stdout: true, stderr: true });
  // it does not keep the process alive: at exit the children's stdin closes and 'exit' kills their groups
  w.unref();
  w.on('exit', () => { if (supervisor?.worker === w) supervisor = null; });
  return (supervisor = { worker: w, tid });
}
/** How often a waiting caller looks whether its supervisor thread is still there. */
const ALIVE_CHECK_MS = 500;

/** Every live group, killed when this process exits however it exits. */
const live = new Set<SyncChild>();
process.on('exit', () => { for (const c of live) c.close(); });

export class SyncChild {
  /** This child's channel to the supervisor thread. */
  private port: MessagePort | null = null;
  /** The thread serving this channel. */
  private supervisor: Supervisor | null = null;
  /** [0]: the sequence number last answered; [1]: the child's pid (its group), as soon as it is spawned. */
  private readonly flag = new Int32Array(new SharedArrayBuffer(8));
  /** Never notified: a 1 ms sleep for the main thread. */
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;

  constructor(private readonly opts: SyncChildOptions) {}

  private get startupMs(): number {
    return this.opts.startupMs ?? DEFAULT_STARTUP_MS;
  }

  /** Starts the child (a fresh one if `fresh`) without waiting for it: finish with started(). */
  beginStart(fresh = false): number {
    return this.post({ type: 'start', fresh });
  }

  /** Waits for the start begun as `seq`: the child's first line, or why it did not start. */
  started(seq: number): { hello: string | null; why: string | null } {
    const r = this.wait(seq, this.startupMs + WORKER_SLACK_MS) as { hello: string | null; why: string | null };
    return { hello: r.hello, why: r.why };
  }

  /** Runs the batch (in a fresh child if `fresh`) and blocks until every request has its reply, in order. */
  exchange(requests: readonly string[], limits: Limits, fresh = false): Reply[] {
    const bound = WORKER_SLACK_MS + requests.length * (limits.blockedMs + 1000);
    const r = this.wait(this.post({ type: 'batch', requests, ...limits, fresh }), bound) as { replies: Reply[] };
    if (r.replies.length !== requests.length) {
      this.close();
      throw new IsolationError(`${this.opts.command}: the supervisor answered ${r.replies.length} of ${requests.length} requests`);
    }
    return r.replies;
  }

  close(): void {
    live.delete(this);
    if (this.port) {
      this.port.postMessage({ type: 'close' });
      this.port.close();
    }
    // the supervisor may not get to its 'close' before this process ends: kill the group here
    // too, by the pid it shared when it spawned the child (a reply may never have come)
    const pid = Atomics.load(this.flag, 1);
    if (pid) {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
      Atomics.store(this.flag, 1, 0);
    }
    this.port = null;
    this.supervisor = null;
  }

  private post(msg: object): number {
    const seq = ++this.seq;
    this.channel().postMessage({ ...msg, seq });
    const pause = this.opts.testPauseAfterPostMs;
    if (pause) Atomics.wait(this.nap, 0, 0, pause);
    return seq;
  }

  /**
   * Waits for the reply that carries `seq`. The worker sets the flag to that number after it
   * has posted the reply; a wake-up for an older number (a late notify of an earlier batch) or
   * for none is waited through, so only the real reply, or the bound, ends the wait.
   */
  private wait(seq: number, boundMs: number): Record<string, unknown> {
    const port = this.channel();
    const deadline = Date.now() + boundMs;
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      if (seen === seq) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.close();
        throw new IsolationError(`${this.opts.command}: no answer from its supervisor within ${boundMs} ms`);
      }
      if (Atomics.wait(this.flag, 0, seen, Math.min(left, ALIVE_CHECK_MS)) === 'timed-out' && this.supervisor && !alive(this.supervisor)) {
        this.close();
        throw new IsolationError(`${this.opts.command}: its supervisor thread died`);
      }
    }
    // The reply was posted before the flag was set. Node delivers a posted message to its port
    // at once, but nothing here depends on it: a reply not yet receivable is polled for.
    const pollUntil = Date.now() + MESSAGE_GRACE_MS;
    for (;;) {
      const got = receiveMessageOnPort(port)?.message as ({ seq: number; output?: string } & Record<string, unknown>) | undefined;
      if (!got) {
        if (Date.now() < pollUntil) { Atomics.wait(this.nap, 0, 0, 1); continue; }
        this.close();
        throw new IsolationError(`${this.opts.command}: the supervisor set reply ${seq} but posted none`);
      }
      if (got.seq !== seq) continue; // an older reply (none is expected): dropped
      if (typeof got.error === 'string') {
        this.close();
        throw new IsolationError(`${this.opts.command}: ${got.error}`);
      }
      if (got.output) (this.opts.onOutput ?? ((t) => process.stderr.write(t)))(got.output);
      return got;
    }
  }

  private channel(): MessagePort {
    if (this.port) return this.port;
    const { port1, port2 } = new MessageChannel();
    const config = {
      port: port2, flag: this.flag.buffer, command: this.opts.command, args: [...(this.opts.args ?? [])],
      env: this.opts.env, protocolFd: this.opts.protocolFd ?? 1, outputMarks: this.opts.outputMarks ?? false, testNotifyDelayMs: this.opts.testNotifyDelayMs,
      startupMs: this.startupMs, startupCpuMs: this.opts.startupCpuMs ?? DEFAULT_STARTUP_CPU_MS,
      memoryLimitMb: this.opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB,
    };
    this.supervisor = supervisorThread();
    this.supervisor.worker.postMessage({ type: 'open', config }, [port2]);
    port1.unref();
    this.port = port1;
    live.add(this);
    return port1;
  }
}
