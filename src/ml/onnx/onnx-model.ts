/**
 * ONNX models as plain data, and their encoding to the bytes onnxruntime loads.
 *
 * A hand-written encoder of the handful of messages a model needs (ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto) rather than protobufjs with the
 * official onnx.proto: the messages are write-only here, the field numbers below are the
 * whole contract (stable since ONNX 1.0), and it saves loading and reflecting a 900-line
 * schema at run time. Any graph of standard operators can be described: tree ensembles,
 * linear models (MatMul, Add, Sigmoid, Softmax, LinearClassifier), encoders (OneHotEncoder,
 * Gather).
 *
 * @example
 * const bytes = encodeOnnxModel({
 *   opsets: { '': 21 },
 *   graph: {
 *     name: 'sigmoid',
 *     inputs: [{ name: 'x', type: 'double', shape: ['N', 1] }],
 *     outputs: [{ name: 'y', type: 'double', shape: ['N', 1] }],
 *     nodes: [{ opType: 'Sigmoid', inputs: ['x'], outputs: ['y'] }],
 *   },
 * });
 */
import { ProtobufWriter } from './protobuf-writer.js';

export type OnnxElementType = 'float' | 'uint8' | 'int32' | 'int64' | 'string' | 'bool' | 'double';

/** TensorProto.DataType. */
const ELEMENT_TYPE: Record<OnnxElementType, number> = {
  float: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  double: 11,
};

export interface OnnxTensor {
  readonly name?: string;
  readonly type: Exclude<OnnxElementType, 'string'>;
  readonly dims: readonly number[];
  readonly values: ArrayLike<number>;
}

export type OnnxAttribute =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: ArrayLike<number> }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: ArrayLike<number> }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: OnnxTensor };

/** Builders for attributes, so a node reads `{ n_targets: attribute.int(1) }`. */
export const attribute = {
  int: (value: number): OnnxAttribute => ({ kind: 'int', value }),
  ints: (value: ArrayLike<number>): OnnxAttribute => ({ kind: 'ints', value }),
  float: (value: number): OnnxAttribute => ({ kind: 'float', value }),
  floats: (value: ArrayLike<number>): OnnxAttribute => ({ kind: 'floats', value }),
  string: (value: string): OnnxAttribute => ({ kind: 'string', value }),
  strings: (value: readonly string[]): OnnxAttribute => ({ kind: 'strings', value }),
  tensor: (value: OnnxTensor): OnnxAttribute => ({ kind: 'tensor', value }),
};

export interface OnnxNode {
  readonly opType: string;
  /** '' (the default) is the standard domain; 'ai.onnx.ml' holds the classic ML operators. */
  readonly domain?: string;
  readonly name?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, OnnxAttribute>>;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly type: OnnxElementType;
  /** A number is a fixed size, a string a symbolic one (the batch: 'N'). */
  readonly shape: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Constant tensors the nodes read by name (weights, offsets). */
  readonly initializers?: readonly (OnnxTensor & { readonly name: string })[];
}

export interface OnnxModelDescription {
  readonly graph: OnnxGraph;
  /** Operator set version per domain, e.g. `{ '': 21, 'ai.onnx.ml': 5 }`. */
  readonly opsets: Readonly<Record<string, number>>;
  readonly producerVersion?: string;
  readonly docString?: string;
  /** Free-form key/value pairs stored in the model (feature schema, class labels, ...). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** IR version 10 (ONNX 1.16), the first with ai.onnx.ml opset 5 (TreeEnsemble). */
const IR_VERSION = 10;

const ATTRIBUTE_TYPE: Record<OnnxAttribute['kind'], number> = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  floats: 6,
  ints: 7,
  strings: 8,
};

export function encodeOnnxModel(model: OnnxModelDescription): Uint8Array {
  const out = new ProtobufWriter();
  out.int(1, IR_VERSION);
  out.string(2, 'lakebox');
  if (model.producerVersion !== undefined) out.string(3, model.producerVersion);
  if (model.docString !== undefined) out.string(6, model.docString);
  out.message(7, (graph) => writeGraph(graph, model.graph));
  for (const [domain, version] of Object.entries(model.opsets)) {
    out.message(8, (opset) => opset.string(1, domain).int(2, version));
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    out.message(14, (entry) => entry.string(1, key).string(2, value));
  }
  return out.bytes();
}

function writeGraph(out: ProtobufWriter, graph: OnnxGraph): void {
  for (const node of graph.nodes) out.message(1, (w) => writeNode(w, node));
  out.string(2, graph.name);
  for (const tensor of graph.initializers ?? []) out.message(5, (w) => writeTensor(w, tensor));
  for (const input of graph.inputs) out.message(11, (w) => writeValueInfo(w, input));
  for (const output of graph.outputs) out.message(12, (w) => writeValueInfo(w, output));
}

function writeNode(out: ProtobufWriter, node: OnnxNode): void {
  for (const input of node.inputs) out.string(1, input);
  for (const output of node.outputs) out.string(2, output);
  if (node.name !== undefined) out.string(3, node.name);
  out.string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    out.message(5, (w) => writeAttribute(w, name, value));
  }
  if (node.domain) out.string(7, node.domain);
}

function writeAttribute(out: ProtobufWriter, name: string, attr: OnnxAttribute): void {
  out.string(1, name);
  out.int(20, ATTRIBUTE_TYPE[attr.kind]);
  switch (attr.kind) {
    case 'float':
      out.float(2, attr.value);
      break;
    case 'int':
      out.int(3, attr.value);
      break;
    case 'string':
      out.string(4, attr.value);
      break;
    case 'tensor':
      out.message(5, (w) => writeTensor(w, attr.value));
      break;
    case 'floats':
      out.packedFloats(7, attr.value);
      break;
    case 'ints':
      out.packedInts(8, attr.value);
      break;
    case 'strings':
      for (const value of attr.value) out.string(9, value);
      break;
  }
}

function writeTensor(out: ProtobufWriter, tensor: OnnxTensor): void {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.values.length) {
    throw new Error(
      `ONNX tensor ${tensor.name ?? ''} has ${tensor.values.length} values for dims [${tensor.dims.join(', ')}]`,
    );
  }
  out.packedInts(1, tensor.dims);
  out.int(2, ELEMENT_TYPE[tensor.type]);
  if (tensor.name !== undefined) out.string(8, tensor.name);
  out.embed(9, rawData(tensor));
}

/** raw_data: little-endian values, the one encoding every element type shares. */
function rawData(tensor: OnnxTensor): Uint8Array {
  const { values } = tensor;
  const n = values.length;
  switch (tensor.type) {
    case 'double':
      return bytesOf(Float64Array.from(values));
    case 'float':
      return bytesOf(Float32Array.from(values));
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(values[i]!);
      return bytesOf(out);
    }
    case 'int32':
      return bytesOf(Int32Array.from(values));
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values);
  }
}

function bytesOf(array: Float64Array | Float32Array | BigInt64Array | Int32Array): Uint8Array {
  // Typed arrays are in the platform's byte order; every platform Node runs on is little-endian.
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function writeValueInfo(out: ProtobufWriter, info: OnnxValueInfo): void {
  out.string(1, info.name);
  out.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, ELEMENT_TYPE[info.type]);
      tensorType.message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}
