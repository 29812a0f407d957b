// Reads TensorBoard event files without the writer's code: the TFRecord
// framing and its CRCs are checked with a bit-at-a-time CRC-32C written here,
// and the protobuf is decoded with a small wire-format reader against the
// field numbers of TensorFlow's published event.proto / summary.proto.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

export function crcBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

export function masked(bytes: Uint8Array): number {
  const c = crcBitwise(bytes);
  const rotated = ((c >>> 15) | (c << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 0x100000000;
}

export type Field = { wire: number; int?: bigint; bytes?: Uint8Array; f64?: number; f32?: number };
export type Message = Map<number, Field[]>;

export function decode(buf: Uint8Array): Message {
  const out: Message = new Map();
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      assert.ok(i < buf.length, 'varint runs past the end');
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    let f: Field;
    if (wire === 0) f = { wire, int: varint() };
    else if (wire === 1) {
      f = { wire, f64: view.getFloat64(i, true) };
      i += 8;
    } else if (wire === 5) {
      f = { wire, f32: view.getFloat32(i, true) };
      i += 4;
    } else if (wire === 2) {
      const n = Number(varint());
      assert.ok(i + n <= buf.length, 'length-delimited field runs past the end');
      f = { wire, bytes: buf.subarray(i, i + n) };
      i += n;
    } else throw new Error(`unexpected wire type ${wire}`);
    if (!out.has(field)) out.set(field, []);
    out.get(field)!.push(f);
  }
  return out;
}

export const one = (m: Message, field: number): Field | undefined => m.get(field)?.[0];
export const text = (f: Field | undefined): string | undefined => (f?.bytes ? new TextDecoder().decode(f.bytes) : undefined);
export const doubles = (f: Field | undefined): number[] => {
  const b = f!.bytes!;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: b.length / 8 }, (_, k) => view.getFloat64(8 * k, true));
};

export interface ReadEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: Message[];
}

export function readEvents(file: string): ReadEvent[] {
  const buf = new Uint8Array(readFileSync(file));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const events: ReadEvent[] = [];
  let o = 0;
  while (o < buf.length) {
    assert.ok(o + 12 <= buf.length, 'truncated record header');
    const len = Number(view.getBigUint64(o, true));
    assert.equal(view.getUint32(o + 8, true), masked(buf.subarray(o, o + 8)), `length CRC of the record at ${o}`);
    const data = buf.subarray(o + 12, o + 12 + len);
    assert.equal(view.getUint32(o + 12 + len, true), masked(data), `data CRC of the record at ${o}`);
    o += 12 + len + 4;
    const ev = decode(data);
    const summary = one(ev, 5);
    events.push({
      wallTime: one(ev, 1)?.f64 ?? 0,
      step: Number(one(ev, 2)?.int ?? 0n),
      fileVersion: text(one(ev, 3)),
      values: summary ? (decode(summary.bytes!).get(1) ?? []).map((v) => decode(v.bytes!)) : [],
    });
  }
  return events;
}

