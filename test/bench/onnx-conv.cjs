// The bytes of a one-node ONNX model `y = Conv(x, w[, b])`, written with a minimal protobuf encoder, so the
// benchmark needs no Python or onnx package. Field numbers are those of onnx/onnx.proto (opset 13).
'use strict';

const VARINT = 0;
const BYTES = 2;

function varint(value) {
  const out = [];
  let v = value;
  while (v > 127) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const key = (field, wire) => varint(field * 8 + wire);
const int = (field, value) => [...key(field, VARINT), ...varint(value)];
const bytes = (field, body) => [...key(field, BYTES), ...varint(body.length), ...body];
const string = (field, text) => bytes(field, [...Buffer.from(text, 'utf8')]);

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2;
const ATTR_INTS = 7;

function attribute(name, value) {
  return Array.isArray(value)
    ? [...string(1, name), ...int(20, ATTR_INTS), ...value.flatMap((v) => int(8, v))]
    : [...string(1, name), ...int(20, ATTR_INT), ...int(3, value)];
}

function valueInfo(name, shape) {
  const dims = shape.flatMap((d) => bytes(1, int(1, d)));
  const tensorType = [...int(1, FLOAT), ...bytes(2, dims)];
  return [...string(1, name), ...bytes(2, bytes(1, tensorType))];
}

function initializer(name, shape, data) {
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return [...shape.flatMap((d) => int(1, d)), ...int(2, FLOAT), ...string(8, name), ...bytes(9, [...raw])];
}

/**
 * @param {object} conv `{ xShape, w: Float32Array, wShape, b?: Float32Array, strides, pads: [top, left, bottom, right], dilations, group, yShape }`
 * @returns {Uint8Array} a serialized ModelProto with input `x` and output `y`
 */
function onnxConvModel(conv) {
  const inputs = ['x', 'w', ...(conv.b ? ['b'] : [])];
  const node = [
    ...inputs.flatMap((name) => string(1, name)),
    ...string(2, 'y'),
    ...string(4, 'Conv'),
    ...bytes(5, attribute('kernel_shape', conv.wShape.slice(2))),
    ...bytes(5, attribute('strides', conv.strides)),
    ...bytes(5, attribute('pads', conv.pads)),
    ...bytes(5, attribute('dilations', conv.dilations)),
    ...bytes(5, attribute('group', conv.group)),
  ];
  const graph = [
    ...bytes(1, node),
    ...string(2, 'conv'),
    ...bytes(5, initializer('w', conv.wShape, conv.w)),
    ...(conv.b ? bytes(5, initializer('b', [conv.b.length], conv.b)) : []),
    ...bytes(11, valueInfo('x', conv.xShape)),
    ...bytes(12, valueInfo('y', conv.yShape)),
  ];
  const model = [...int(1, 7), ...bytes(8, int(2, 13)), ...bytes(7, graph)];
  return Uint8Array.from(model);
}

module.exports = { onnxConvModel };
