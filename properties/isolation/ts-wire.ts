// The request line a TypeScript variant's child reads: one case as the command resolved it
// (its bound slots, the VM's type, the [start, end) range, the xarray mode and the word width), in JSON with
// every 64-bit value a decimal string. The reply is the call log (properties/isolation/log.ts).

import { Layout, Memslot } from '../../model/layout';
import { Word, makeWord } from '../../model/word';
import { FAITHFUL, XarrayMode } from '../../model/xarray';

export interface TsRequest {
  readonly seq: number;
  readonly layout: Layout;
  readonly start: bigint;
  readonly end: bigint;
  readonly mode: XarrayMode;
  readonly word: Word;
}

export function encodeRequest(r: TsRequest): string {
  return JSON.stringify({
    s: r.seq,
    f: String(r.layout.filePages),
    l: r.layout.slots.map((x) => [x.id, String(x.pgoff), String(x.npages), String(x.base_gfn)]),
    a: String(r.start),
    b: String(r.end),
    m: r.mode.kind === 'faithful' ? 'f' : `c${r.mode.pick}`,
    w: r.word.bits,
    ...(r.layout.vmType === 'tdx' ? { v: r.layout.vmType } : {}),
  });
}

const words = new Map<number, Word>();

export function decodeRequest(line: string): TsRequest {
  const j = JSON.parse(line) as { s: number; f: string; l: Array<[number, string, string, string]>; a: string; b: string; m: string; w: number; v?: 'tdx' };
  const slots: Memslot[] = j.l.map(([id, pgoff, npages, base_gfn]) => Object.freeze({ id, pgoff: BigInt(pgoff), npages: BigInt(npages), base_gfn: BigInt(base_gfn) }));
  let word = words.get(j.w);
  if (!word) words.set(j.w, (word = makeWord(j.w)));
  return {
    seq: j.s,
    layout: Object.freeze({ filePages: BigInt(j.f), slots: Object.freeze(slots), ...(j.v ? { vmType: j.v } : {}) }),
    start: BigInt(j.a),
    end: BigInt(j.b),
    mode: j.m === 'f' ? FAITHFUL : { kind: 'contract', pick: BigInt(j.m.slice(1)) },
    word,
  };
}
