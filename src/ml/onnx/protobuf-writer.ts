/**
 * The protobuf wire format, write side only: enough to encode ONNX's messages. A message is
 * written into its own writer and embedded as length-delimited bytes, so nested messages
 * need no size pass.
 */
export class ProtobufWriter {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /** An int32/int64/uint64/enum/bool field (negative numbers take ten bytes, as the format says). */
  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.anyVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    this.reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  string(field: number, value: string): this {
    return this.embed(field, new TextEncoder().encode(value));
  }

  /** A length-delimited field: raw bytes or an encoded sub-message. */
  embed(field: number, bytes: Uint8Array): this {
    this.tag(field, 2);
    this.smallVarint(bytes.length);
    this.raw(bytes);
    return this;
  }

  message(field: number, write: (writer: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    write(inner);
    return this.embed(field, inner.bytes());
  }

  packedInts(field: number, values: ArrayLike<number | bigint>): this {
    const inner = new ProtobufWriter();
    for (let i = 0; i < values.length; i++) inner.anyVarint(values[i]!);
    return this.embed(field, inner.bytes());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return this.embed(field, bytes);
  }

  packedDoubles(field: number, values: ArrayLike<number>): this {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
    return this.embed(field, bytes);
  }

  private tag(field: number, wireType: number): void {
    this.smallVarint(field * 8 + wireType);
  }

  private anyVarint(value: number | bigint): void {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31) {
      this.smallVarint(value);
    } else {
      this.varint(BigInt.asUintN(64, BigInt(value)));
    }
  }

  private smallVarint(value: number): void {
    this.reserve(5);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.length++] = rest;
  }

  private varint(value: bigint): void {
    this.reserve(10);
    let rest = value;
    while (rest >= 0x80n) {
      this.buffer[this.length++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.length++] = Number(rest);
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}
