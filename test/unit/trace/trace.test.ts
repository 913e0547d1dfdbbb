import { describe, expect, it } from 'vitest';
import {
  conv2d,
  JUPYTER_DISPLAY,
  maxPool2d,
  recordShapes,
  convTranspose2d,
  SHAPE_TRACE_MIME,
  tensor,
  traceShapes,
  type LayerSpec,
} from '../../../kernel/src/index';

import { describeEachBackend } from '../support/sweep';

const zeros = (shape: number[]): ReturnType<typeof tensor> =>
  tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);

const lenet: LayerSpec[] = [
  { op: 'conv2d', outChannels: 6, kernel: 5, name: 'c1' },
  { op: 'relu' },
  { op: 'maxPool2d', kernel: 2, name: 's2' },
  { op: 'conv2d', outChannels: 16, kernel: 5, name: 'c3' },
  { op: 'relu' },
  { op: 'maxPool2d', kernel: 2, name: 's4' },
  { op: 'flatten' },
  { op: 'linear', outFeatures: 120, name: 'f5' },
  { op: 'relu' },
  { op: 'linear', outFeatures: 84, name: 'f6' },
  { op: 'relu' },
  { op: 'linear', outFeatures: 10, name: 'out' },
];

describe('traceShapes (no data, like Keras summary)', () => {
  it('the Keras 20×20 model with 3×3, 5×5, 7×7 convolutions: valid 20 → 18 → 14 → 8', () => {
    const layers = [3, 5, 7].map((kernel): LayerSpec => ({ op: 'conv2d', outChannels: 8, kernel }));
    const trace = traceShapes([1, 1, 20, 20], layers);
    expect(trace.rows.map((r) => r.outShape[2])).toEqual([18, 14, 8]);
    expect(trace.rows[1]?.formula).toEqual(['floor((18 + 0 + 0 − 5) / 1) + 1 = 14', 'floor((18 + 0 + 0 − 5) / 1) + 1 = 14']);
    expect(trace.rows.map((r) => r.receptiveField)).toEqual([[3, 3], [7, 7], [13, 13]]);
  });

  it("'same' keeps 20 → 20 → 20 → 20, with the pads per side", () => {
    const layers = [3, 5, 7].map((kernel): LayerSpec => ({ op: 'conv2d', outChannels: 8, kernel, padding: 'same' }));
    const trace = traceShapes([1, 1, 20, 20], layers);
    expect(trace.rows.map((r) => r.outShape)).toEqual([[1, 8, 20, 20], [1, 8, 20, 20], [1, 8, 20, 20]]);
    expect(trace.rows.map((r) => r.padding[0])).toEqual([[1, 1], [2, 2], [3, 3]]);
  });

  it('LeNet-5: 32×32 → 28×28×6 → 14×14 → 10×10×16 → 5×5 → 400 → 120 → 84 → 10, 61,706 params', () => {
    const trace = traceShapes([1, 1, 32, 32], lenet, { title: 'LeNet-5' });
    expect(trace.rows.map((r) => r.outShape)).toEqual([
      [1, 6, 28, 28], [1, 6, 28, 28], [1, 6, 14, 14], [1, 16, 10, 10], [1, 16, 10, 10], [1, 16, 5, 5],
      [1, 400], [1, 120], [1, 120], [1, 84], [1, 84], [1, 10],
    ]);
    // Known LeNet-5 numbers: conv1 6·(25+1) = 156, conv2 16·(150+1) = 2,416, fc 48,120 + 10,164 + 850.
    expect(trace.rows.map((r) => r.params)).toEqual([156, 0, 0, 2416, 0, 0, 0, 48120, 0, 10164, 0, 850]);
    expect(trace.totals.params).toBe(61706);
    // MACs: 28·28·6·25 = 117,600; 10·10·16·150 = 240,000; 400·120; 120·84; 84·10.
    expect(trace.rows.map((r) => r.macs)).toEqual([117600, 0, 0, 240000, 0, 0, 0, 48000, 0, 10080, 0, 840]);
    expect(trace.totals.macs).toBe(416520);
    expect(trace.rows[0]?.outBytes).toBe(6 * 28 * 28 * 4);
    // Receptive field: 5, 5 (relu), 6, 14, 14, 16; jumps 1, 1, 2, 2, 2, 4; lost at flatten.
    expect(trace.rows.slice(0, 6).map((r) => r.receptiveField[0])).toEqual([5, 5, 6, 14, 14, 16]);
    expect(trace.rows.slice(0, 6).map((r) => r.jump[0])).toEqual([1, 1, 2, 2, 2, 4]);
    expect(trace.rows[6]?.receptiveField).toEqual([]);
    expect(trace.rows[6]?.formula).toEqual(['16·5·5 = 400']);
    expect(trace.error).toBeUndefined();
  });

  it('stops at the first layer that does not fit, with the library’s own message', () => {
    const trace = traceShapes([1, 1, 9, 9], [
      { op: 'conv2d', outChannels: 4, kernel: 5 },
      { op: 'conv2d', outChannels: 4, kernel: 7 },
      { op: 'relu' },
    ]);
    expect(trace.rows).toHaveLength(2);
    const failed = trace.rows[1]!;
    expect(failed.inShape).toEqual([1, 4, 5, 5]);
    expect(failed.outShape).toEqual([]);
    expect(failed.error).toMatch(/^conv2d: weight expected an effective kernel \(7\) no larger than the padded input \(5 \+ 0 \+ 0 = 5\)/);
    // The same words the op throws on real tensors.
    expect(() => conv2d(zeros([1, 4, 5, 5]), zeros([4, 4, 7, 7]))).toThrow(failed.error!);
    expect(trace.error).toBe(failed.error);
  });

  it('error rows for bad layer values and ranks', () => {
    expect(traceShapes([1, 3, 8, 8], [{ op: 'conv2d', outChannels: 4, kernel: 3, groups: 2 }]).error).toMatch(
      /^conv2d: options\.groups expected a divisor of input channels \(3\), got 2/,
    );
    expect(traceShapes([1, 3, 8, 8], [{ op: 'conv2d', outChannels: 0, kernel: 3 }]).error).toMatch(
      /^conv2d: outChannels expected a positive integer, got 0; hint/,
    );
    expect(traceShapes([1, 3, 8, 8], [{ op: 'flatten' }, { op: 'maxPool2d', kernel: 2 }]).error).toMatch(
      /^maxPool2d: input expected rank 4 \(\[batch, channels, height, width\]\), got rank 2 \(input \[1,192\]\)/,
    );
    expect(traceShapes([1, 3, 8, 8], [{ op: 'lpPool2d', kernel: 2, p: 0 }]).error).toMatch(/^lpPool2d: options\.p expected/);
    expect(traceShapes([1, 3, 8, 8], [{ op: 'flatten' }, { op: 'linear', outFeatures: 1.5 }]).error).toMatch(
      /^linear: outFeatures expected a positive integer, got 1\.5/,
    );
    expect(() => traceShapes([1, -3], [])).toThrow(/^traceShapes: inputShape expected finite non-negative integer sizes, got -3 at axis 1/);
  });

  it('pools in a trace: ceil mode, padding, adaptive and global', () => {
    const trace = traceShapes([2, 3, 7, 10], [
      { op: 'maxPool2d', kernel: 2, ceilMode: true },
      { op: 'avgPool2d', kernel: 3, stride: 1, padding: 1 },
      { op: 'adaptiveAvgPool2d', outputSize: [2, 3] },
      { op: 'globalMaxPool' },
    ]);
    expect(trace.rows.map((r) => r.outShape)).toEqual([[2, 3, 4, 5], [2, 3, 4, 5], [2, 3, 2, 3], [2, 3, 1, 1]]);
    expect(trace.rows[0]?.formula[0]).toBe('ceil((7 + 0 + 0 − 2) / 2) + 1 = 4');
    expect(trace.rows[1]?.padding).toEqual([[1, 1], [1, 1]]);
    expect(trace.rows[1]?.receptiveField).toEqual([6, 6]);
    // 4 → 2 is an even split (a 2×2 window), 5 → 3 is not: no single kernel or jump, so the field is unknown.
    expect(trace.rows[2]?.kernel).toEqual([]);
    expect(trace.rows[2]?.receptiveField).toEqual([]);
    expect(trace.rows[2]?.formula[1]).toBe('bins [floor(i·5/3), ceil((i+1)·5/3)): (0,2) (1,4) (3,5)');
    expect(trace.rows[3]?.macs).toBe(0);
  });

  it('a global pool after even maps covers the whole input', () => {
    const trace = traceShapes([1, 1, 8, 8], [{ op: 'maxPool2d', kernel: 2 }, { op: 'globalAvgPool' }]);
    expect(trace.rows[1]?.kernel).toEqual([4, 4]);
    expect(trace.rows[1]?.receptiveField).toEqual([8, 8]);
  });

  it('payload, text table and Jupyter bundle', () => {
    const trace = traceShapes([1, 1, 32, 32], lenet.slice(0, 4), { title: 'LeNet head' });
    const payload = trace.toPayload();
    expect(payload).toMatchObject({ version: 1, source: 'traceShapes', title: 'LeNet head', inputShape: [1, 1, 32, 32], backend: 'none' });
    expect(payload.totals).toEqual({ params: 156 + 2416, macs: 117600 + 240000, outBytes: 4 * (2 * 6 * 28 * 28 + 6 * 14 * 14 + 16 * 100) });
    expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
    const text = String(trace);
    const lines = text.split('\n');
    // The table of the extension (@convlab/protocol's columns), in fixed-width text, the formula under each row.
    expect(lines[0]).toBe('LeNet head · traceShapes · 4 layers · input [1,1,32,32]');
    expect(lines[1]).toMatch(/^#\s+op\s+input\s+output\s+kernel\s+stride\s+dilation\s+padding\s+groups\s+params\s+MACs\s+out bytes\s+RF\s+jump$/);
    expect(lines[2]).toMatch(/^0\s+c1 \(conv2d\)\s+\[1,1,32,32\]\s+\[1,6,28,28\]\s+5×5\s+1×1\s+1×1\s+H 0,0 · W 0,0\s+1\s+156\s+117,600\s+18\.4 KiB\s+5×5\s+1×1$/);
    expect(lines[3]).toBe('    output size: H: floor((32 + 0 + 0 − 5) / 1) + 1 = 28 · W: floor((32 + 0 + 0 − 5) / 1) + 1 = 28');
    expect(lines.at(-1)).toMatch(/^\s+total\s+2,572\s+357,600\s+47\.6 KiB$/);
    const bundle = trace[JUPYTER_DISPLAY]();
    expect(bundle.metadata).toEqual({});
    expect(bundle.data[SHAPE_TRACE_MIME]).toEqual(payload);
    expect(bundle.data['text/plain']).toBe(text);
  });

  it('the text table shows a failed layer with its message', () => {
    const text = String(traceShapes([1, 1, 5, 5], [{ op: 'maxPool2d', kernel: 2 }, { op: 'conv2d', outChannels: 2, kernel: 3 }]));
    expect(text).toMatch(/\n {4}✖ error at layer 1: conv2d: weight expected an effective kernel \(3\) no larger than the padded input \(2 \+ 0 \+ 0 = 2\)/);
  });
});

describeEachBackend('recordShapes: the shapes of real op calls', (name) => {

  it('records conv2d and maxPool2d calls in order, with params, MACs and the receptive field', () => {
    const x = zeros([1, 1, 28, 28]);
    const w1 = zeros([8, 1, 3, 3]);
    const w2 = zeros([16, 8, 3, 3]);
    let result: unknown;
    const trace = recordShapes(() => {
      const h = maxPool2d(conv2d(x, w1, { padding: 'same', bias: zeros([8]) }), 2);
      result = conv2d(h, w2);
    }, { title: 'two convs' });
    expect((result as { shape: number[] }).shape).toEqual([1, 16, 12, 12]);
    expect(trace.rows.map((r) => [r.op, r.inShape, r.outShape])).toEqual([
      ['conv2d', [1, 1, 28, 28], [1, 8, 28, 28]],
      ['maxPool2d', [1, 8, 28, 28], [1, 8, 14, 14]],
      ['conv2d', [1, 8, 14, 14], [1, 16, 12, 12]],
    ]);
    expect(trace.rows.map((r) => r.params)).toEqual([8 * 9 + 8, 0, 16 * 8 * 9]);
    expect(trace.rows.map((r) => r.macs)).toEqual([28 * 28 * 8 * 9, 0, 12 * 12 * 16 * 72]);
    expect(trace.rows.map((r) => r.receptiveField[0])).toEqual([3, 4, 8]);
    expect(trace.toPayload()).toMatchObject({ source: 'recorded', backend: name, inputShape: [1, 1, 28, 28], title: 'two convs' });
  });

  it('records transposed convs: kernel, stride, padding, MACs per input value, and an unknown field after', () => {
    const x = zeros([1, 4, 8, 8]);
    const trace = recordShapes(() => {
      const down = conv2d(x, zeros([8, 4, 3, 3]), { stride: 2, padding: 1 });
      convTranspose2d(down, zeros([8, 2, 3, 3]), { stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: zeros([4]) });
    });
    expect(trace.rows.map((r) => [r.op, r.inShape, r.outShape])).toEqual([
      ['conv2d', [1, 4, 8, 8], [1, 8, 4, 4]],
      ['convTranspose2d', [1, 8, 4, 4], [1, 4, 8, 8]],
    ]);
    expect(trace.rows[1]).toMatchObject({ kernel: [3, 3], stride: [2, 2], padding: [[1, 1], [1, 1]], groups: 2, params: 8 * 2 * 9 + 4 });
    // Each of the 8·4·4 input values meets the 2 output channels of its group through 3·3 taps.
    expect(trace.rows[1]!.macs).toBe(8 * 4 * 4 * 2 * 9);
    expect(trace.rows[1]!.formula).toEqual(['(4 − 1)·2 − 1 − 1 + 1·(3 − 1) + 1 + 1 = 8', '(4 − 1)·2 − 1 − 1 + 1·(3 − 1) + 1 + 1 = 8']);
    expect(trace.rows.map((r) => r.receptiveField)).toEqual([[3, 3], []]);
  });

  it('records nothing outside the block; an op on an unrelated tensor has an unknown field', () => {
    const x = zeros([1, 1, 6, 6]);
    const trace = recordShapes(() => {
      maxPool2d(x, 2);
      maxPool2d(x, 3);
    });
    maxPool2d(x, 2);
    expect(trace.rows).toHaveLength(2);
    expect(trace.rows[0]?.receptiveField).toEqual([2, 2]);
    expect(trace.rows[1]?.receptiveField).toEqual([]);
  });

  it('a failing op ends the trace with its message instead of throwing; other errors propagate', () => {
    const x = zeros([1, 1, 5, 5]);
    const trace = recordShapes(() => {
      const h = maxPool2d(x, 2);
      conv2d(h, zeros([1, 1, 3, 3]));
    });
    expect(trace.rows).toHaveLength(2);
    expect(trace.rows[1]).toMatchObject({ op: 'conv2d', inShape: [1, 1, 2, 2], outShape: [] });
    expect(trace.error).toMatch(/^conv2d: weight expected an effective kernel \(3\) no larger than the padded input/);
    expect(() => recordShapes(() => { throw new TypeError('not a shape error'); })).toThrow(TypeError);
  });

  it('nested blocks: the outer trace sees the inner calls too', () => {
    const x = zeros([1, 1, 4, 4]);
    let inner = recordShapes(() => undefined);
    const outer = recordShapes(() => {
      maxPool2d(x, 2);
      inner = recordShapes(() => maxPool2d(x, 4));
    });
    expect(outer.rows.map((r) => r.outShape)).toEqual([[1, 1, 2, 2], [1, 1, 1, 1]]);
    expect(inner.rows.map((r) => r.outShape)).toEqual([[1, 1, 1, 1]]);
  });

  it('refuses an async block', () => {
    expect(() => recordShapes(async () => undefined)).toThrow(
      /^recordShapes: block expected a synchronous function, got a function returning a Promise; hint/,
    );
  });
});
