// A persistent C driver process that a synchronous caller can talk to: a worker thread
// (pipe-worker.js) owns the process and its pipes, and the caller blocks on Atomics.wait()
// until the worker has the replies of a whole batch. This is what lets fast-check's
// synchronous property call into C, shrinking included, without a process per case.

import path from 'path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';

/** What became of one request: its log lines, and how the case ended if not normally. */
export type Reply =
  | { readonly kind: 'ok'; readonly lines: readonly string[] }
  | { readonly kind: 'signal'; readonly lines: readonly string[]; readonly signal: string }
  | { readonly kind: 'exit'; readonly lines: readonly string[]; readonly code: number }
  | { readonly kind: 'hang'; readonly lines: readonly string[]; readonly ms: number }
  | { readonly kind: 'malformed'; readonly lines: readonly string[]; readonly why: string }
  | { readonly kind: 'spawn-error'; readonly lines: readonly string[]; readonly message: string };

export interface SyncChildOptions {
  /** A case that does not finish in this time is a hang: the child is killed and restarted. */
  readonly timeoutMs: number;
  /** Whatever the child wrote on stderr (its printk, a variant's printf). */
  readonly onStderr: (text: string) => void;
}

const WORKER = path.join(__dirname, 'pipe-worker.js');

export class SyncChild {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));

  constructor(readonly binary: string, private readonly opts: SyncChildOptions) {}

  /** Runs the batch and blocks until every request has its reply, in order. */
  exchange(requests: readonly string[]): Reply[] {
    const port = this.start();
    Atomics.store(this.done, 0, 0);
    port.postMessage({ type: 'batch', requests });
    // the worker bounds each case by timeoutMs; this bounds the worker itself
    const limit = 10_000 + requests.length * (this.opts.timeoutMs + 1000);
    if (Atomics.wait(this.done, 0, 0, limit) === 'timed-out') {
      this.close();
      throw new Error(`native runner: no answer from the worker for ${this.binary} within ${limit} ms`);
    }
    const msg = receiveMessageOnPort(port)?.message as { replies: Reply[]; stderr: string } | undefined;
    if (!msg || msg.replies.length !== requests.length) {
      this.close();
      throw new Error(`native runner: the worker for ${this.binary} answered ${msg?.replies.length ?? 'nothing'} of ${requests.length} requests`);
    }
    if (msg.stderr) this.opts.onStderr(msg.stderr);
    return msg.replies;
  }

  close(): void {
    if (this.port) {
      this.port.postMessage({ type: 'close' });
      this.port.close();
    }
    void this.worker?.terminate();
    this.worker = null;
    this.port = null;
  }

  private start(): MessagePort {
    if (this.port) return this.port;
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(WORKER, {
      workerData: { port: port2, flag: this.done.buffer, binary: this.binary, timeoutMs: this.opts.timeoutMs },
      transferList: [port2],
    });
    // neither keeps the process alive: at exit the child's stdin closes and it ends
    this.worker.unref();
    port1.unref();
    this.port = port1;
    return port1;
  }
}
