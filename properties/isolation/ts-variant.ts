// A TypeScript variant file in its own Node process (ts-child.js): its top-level code, its
// console output and anything it does to its copy of the model stay there. The command learns
// its name and expectations from the child's "ready" line and runs its cases through a runner.

import path from 'path';
import { Expectations } from '../../model/variant';
import { BindEra } from '../../model/layout';
import { VmType } from '../../model/vm';
import { WORD64, Word } from '../../model/word';
import { VariantFileError, bindFault, vmTypesFault } from '../registry';
import { ChildRunner, RunnerOptions } from './runner';
import { encodeRequest } from './ts-wire';

const TS_CHILD = path.join(__dirname, 'ts-child.js');
/** V8's old space for a variant's process: its own start-up with a cold transpile cache peaks near 120 MB of memory. */
export const HEAP_LIMIT_MB = 256;

/** What the command knows of a variant without running its code: what it declares. */
export interface VariantMeta {
  readonly name: string;
  readonly origin: string;
  readonly expect: Expectations;
  readonly vmTypes?: readonly VmType[];
  readonly takes?: 'inode';
  /** The split era's functions it has, as stand-ins: they run in its process, never here. */
  readonly zap?: () => never;
  readonly release_zap?: () => never;
  readonly convert?: () => never;
  /** Its kvm_gmem_bind(), as a stand-in (it runs in its process), and that bind's era. */
  readonly bind?: () => never;
  readonly bindEra?: BindEra;
}

const inItsProcess = (file: string, fn: string) => (): never => {
  throw new Error(`${file}: ${fn} runs in the variant's own process`);
};

export interface TsVariantOptions extends RunnerOptions {
  readonly word?: Word;
  /** The child's console output; default: this process's stderr. */
  readonly onOutput?: (text: string) => void;
}

/** The variant file's process, started but not yet waited for (see TsVariant.ready). */
export class TsVariant {
  readonly runner: ChildRunner;

  constructor(readonly file: string, opts: TsVariantOptions = {}) {
    const word = opts.word ?? WORD64;
    this.runner = new ChildRunner({
      who: file,
      language: 'TypeScript',
      word,
      // a heap limit of its own: a variant that takes memory without end dies of it (a memory fault) before it can use up its CPU limit
      child: { command: process.execPath, args: ['--enable-source-maps', `--max-old-space-size=${HEAP_LIMIT_MB}`, TS_CHILD, path.resolve(file)], protocolFd: 3, onOutput: opts.onOutput },
      encode: (seq, base, stream) => {
        const r = base.resolved;
        const streamed = stream ? { stream } : {};
        if (r.kind === 'bind') {
          const bind = { id: r.slot.id, base_gfn: r.slot.base_gfn, npages: r.slot.npages, offset: r.offset };
          return encodeRequest({ seq, layout: base.layout, start: 0n, end: 0n, bind, word, ...streamed });
        }
        if (r.kind !== 'invalidate') throw new Error('only a case that reaches the invalidation or kvm_gmem_bind() is sent');
        const { start, end, view, convert } = r;
        return encodeRequest({ seq, layout: base.layout, start, end, ...(view !== undefined ? { view } : {}), ...(convert ? { convert } : {}), word, ...streamed });
      },
    }, opts);
    this.runner.begin();
  }

  /** Waits for the child to load the file: its declarations, or the file's fault. */
  ready(): VariantMeta {
    let said: { error?: string; has?: string[]; bindEra?: unknown } & Partial<Omit<VariantMeta, 'bindEra'>>;
    try {
      said = JSON.parse(this.runner.start()) as typeof said;
    } catch (e) {
      this.runner.close();
      throw new VariantFileError(this.file, (e as Error).message);
    }
    if (said.error !== undefined || said.name === undefined) {
      this.runner.close();
      // the child's message already names the file
      throw VariantFileError.said(this.file, said.error ?? `${this.file}: the variant's process said nothing of it`);
    }
    const hasBind = said.has?.includes('bind') ?? false;
    const vmFault = vmTypesFault(said.vmTypes ?? undefined) ?? bindFault({ bindEra: said.bindEra ?? undefined, bind: hasBind ? inItsProcess(this.file, 'bind') : undefined, expect: said.expect });
    if (vmFault) {
      this.runner.close();
      throw new VariantFileError(this.file, vmFault);
    }
    return {
      name: said.name, origin: said.origin ?? '', expect: said.expect!,
      ...(said.vmTypes ? { vmTypes: said.vmTypes } : {}),
      ...(said.takes === 'inode' ? { takes: said.takes } : {}),
      ...(said.bindEra === '7.2' ? { bindEra: '7.2' as const } : {}),
      ...Object.fromEntries((said.has ?? []).filter((fn) => ['zap', 'release_zap', 'convert', 'bind'].includes(fn)).map((fn) => [fn, inItsProcess(this.file, fn)])),
    };
  }
}
