// The request line a TypeScript variant's child reads: one case as the command resolved it
// (its bound slots, the VM's type, the other views, the [start, end) range and the view a release
// closes, or the new memslot and offset of a bind request, and the word width), in JSON with
// every 64-bit value a decimal string. The reply is the call log (properties/isolation/log.ts).

import { Layout, Memslot } from '../../model/layout';
import { Word, makeWord } from '../../model/word';

export interface TsRequest {
  readonly seq: number;
  readonly layout: Layout;
  readonly start: bigint;
  readonly end: bigint;
  /** A release's view (model/callers.ts); absent for every other caller. */
  readonly view?: number;
  /** A conversion's direction and huge-page bracket (model/callers.ts convert()); absent for every other caller. */
  readonly convert?: { readonly toPrivate: boolean; readonly bracket: { readonly start: bigint; readonly end: bigint } };
  /** A bind request (model/callers.ts bindRequest): the new memslot and the guest_memfd_offset kvm_gmem_bind() is given. */
  readonly bind?: { readonly id: number; readonly base_gfn: bigint; readonly npages: bigint; readonly offset: bigint };
  readonly word: Word;
  /** Each log line sent as it is made, not a step at a time (a hang's confirming run). */
  readonly stream?: boolean;
}

type WireSlot = [number, string, string, string];
const slotsOut = (l: Layout): WireSlot[] => l.slots.map((x) => [x.id, String(x.pgoff), String(x.npages), String(x.base_gfn)]);
const slotsIn = (l: WireSlot[]): readonly Memslot[] =>
  Object.freeze(l.map(([id, pgoff, npages, base_gfn]) => Object.freeze({ id, pgoff: BigInt(pgoff), npages: BigInt(npages), base_gfn: BigInt(base_gfn) })));

export function encodeRequest(r: TsRequest): string {
  return JSON.stringify({
    s: r.seq,
    f: String(r.layout.filePages),
    l: slotsOut(r.layout),
    a: String(r.start),
    b: String(r.end),
    w: r.word.bits,
    ...(r.layout.vmType === 'tdx' ? { v: r.layout.vmType } : {}),
    ...(r.layout.otherViews?.length ? { o: r.layout.otherViews.map((o) => [o.vmType === 'tdx' ? 'tdx' : null, slotsOut(o)]) } : {}),
    ...(r.view !== undefined ? { r: r.view } : {}),
    ...(r.convert ? { c: [r.convert.toPrivate ? 1 : 0, String(r.convert.bracket.start), String(r.convert.bracket.end)] } : {}),
    ...(r.layout.pageOrder ? { p: r.layout.pageOrder } : {}),
    ...(r.bind ? { k: [r.bind.id, String(r.bind.base_gfn), String(r.bind.npages), String(r.bind.offset)] } : {}),
    ...(r.stream ? { t: 1 } : {}),
  });
}

const words = new Map<number, Word>();

export function decodeRequest(line: string): TsRequest {
  const j = JSON.parse(line) as { s: number; f: string; l: WireSlot[]; a: string; b: string; w: number; v?: 'tdx'; o?: Array<['tdx' | null, WireSlot[]]>; r?: number; c?: [number, string, string]; p?: number; k?: [number, string, string, string]; t?: 1 };
  const filePages = BigInt(j.f);
  const otherViews = j.o?.map(([vm, l]) => Object.freeze({ filePages, slots: slotsIn(l), ...(vm ? { vmType: vm } : {}), ...(j.p ? { pageOrder: j.p } : {}) }));
  let word = words.get(j.w);
  if (!word) words.set(j.w, (word = makeWord(j.w)));
  return {
    seq: j.s,
    layout: Object.freeze({ filePages, slots: slotsIn(j.l), ...(j.v ? { vmType: j.v } : {}), ...(otherViews ? { otherViews: Object.freeze(otherViews) } : {}), ...(j.p ? { pageOrder: j.p } : {}) }),
    start: BigInt(j.a),
    end: BigInt(j.b),
    ...(j.r !== undefined ? { view: j.r } : {}),
    ...(j.c ? { convert: { toPrivate: j.c[0] === 1, bracket: { start: BigInt(j.c[1]), end: BigInt(j.c[2]) } } } : {}),
    ...(j.k ? { bind: { id: j.k[0], base_gfn: BigInt(j.k[1]), npages: BigInt(j.k[2]), offset: BigInt(j.k[3]) } } : {}),
    ...(j.t ? { stream: true } : {}),
    word,
  };
}
