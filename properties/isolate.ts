// Runs a variant file in a worker thread so that a variant that never returns can be stopped.
// The checking stays synchronous (fast-check calls a plain predicate): the main thread posts
// the case, blocks on Atomics.wait with the per-case deadline, and reads the answer with
// receiveMessageOnPort. A hang terminates the worker; the case it hung on is kept.

import path from 'path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';
import { Word, WORD64 } from '../model/word';
import { XarrayMode } from '../model/xarray';
import { Case } from './case';
import { Isolated } from './engine';
import { Outcome, faultOutcome } from './execute';
import { VariantFileError } from './registry';

/** What the worker posts back. */
export type WorkerReply = { kind: 'ready' } | { kind: 'load-error'; message: string } | { kind: 'outcome'; outcome: Outcome };

const LOAD_LIMIT_MS = 60_000;

export class IsolatedVariant implements Isolated {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private hung?: { case: Case; mode: XarrayMode; message: string };
  private reported = false;

  constructor(readonly file: string, readonly timeoutMs: number, readonly word: Word = WORD64) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(path.join(__dirname, 'isolate-worker.js'), {
      workerData: { file: path.resolve(this.file), port: port2, flag: this.flag, bits: this.word.bits },
      transferList: [port2],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
  }

  /** Waits for the worker to load the file (workers start in parallel; wait on each in turn). */
  ready(): void {
    const first = this.await(LOAD_LIMIT_MS);
    if (!first || first.kind !== 'ready') {
      this.close();
      throw new VariantFileError(this.file, first?.kind === 'load-error' ? first.message : `did not load within ${LOAD_LIMIT_MS / 1000} s`);
    }
  }

  readonly run = (c: Case, mode: XarrayMode): Outcome => {
    if (this.hung) return faultOutcome(c, mode, `not run: the variant hung on an earlier case`, this.word);
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ c, mode });
    const reply = this.await(this.timeoutMs);
    if (!reply) {
      this.close();
      this.hung = { case: c, mode, message: `hang: no return within ${this.timeoutMs} ms; the worker was stopped` };
      return faultOutcome(c, mode, this.hung.message, this.word, true);
    }
    if (reply.kind !== 'outcome') throw new Error(`${this.file}: unexpected reply ${reply.kind} from the variant's worker`);
    return reply.outcome;
  };

  /**
   * The case it hung on, if it has; `first` only on the first call after the hang. The worker
   * is not restarted: a function that never returns breaks every property, and a restart per
   * property would cost a start-up and a time limit each to learn nothing new.
   */
  hungOn() {
    if (!this.hung) return undefined;
    const first = !this.reported;
    this.reported = true;
    return { ...this.hung, first };
  }

  close(): void {
    void this.worker.terminate();
    this.port.close();
  }

  /** The worker's next reply, or undefined if none came within `ms`. */
  private await(ms: number): WorkerReply | undefined {
    if (Atomics.wait(this.flag, 0, 0, ms) === 'timed-out') return undefined;
    return receiveMessageOnPort(this.port)?.message as WorkerReply | undefined;
  }
}
