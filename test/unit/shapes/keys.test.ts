/**
 * Option keys (kernel/src/shapes/keys.ts): "did you mean" for other libraries' names, the run-time check that
 * an unknown key fails in every op family, the hint appended to TypeScript's own diagnostics (checked on the
 * diagnostics TypeScript really writes), and every key list against its type.
 */
import * as path from 'path';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  avgPool1d,
  avgPool2d,
  avgPool2dBackward,
  col2im,
  conv1d,
  conv2d,
  conv2dBackward,
  conv3d,
  convInfo,
  ConvLabError,
  convTranspose1d,
  convTranspose2d,
  im2col,
  lpPool2d,
  maxPool1d,
  maxPool2d,
  pad,
  maxPool2dBackward,
  poolInfo,
  tensor,
  traceShapes,
  windowInfo,
  zeros,
  type AdaptiveMaxPoolOptions,
  type AvgPoolOptions,
  type Conv2dOptions,
  type ConvOptions,
  type ConvTranspose2dOptions,
  type ConvTranspose3dOptions,
  type CrossEntropyOptions,
  type ConvTransposeOptions,
  type Im2colOptions,
  type LayerSpec,
  type LpPoolOptions,
  type MaxPoolIndexOptions,
  type MaxPoolOptions,
  type MaxUnpoolOptions,
  type PadOptions,
  type PoolWindowOptions,
  type ReceptiveLayer,
  type ReduceOptions,
  type SequentialOptions,
  type SgdOptions,
  type WindowOptions,
} from '../../../kernel/src/index';
import { checkOptionKeys, explainDiagnostic, OPTION_KEYS, optionKeys, suggestKey } from '../../../kernel/src/shapes';
import type {
  AdaptivePoolLayerSpec,
  AvgPoolLayerSpec,
  ConvLayerSpec,
  ElementwiseLayerSpec,
  FlattenLayerSpec,
  GlobalPoolLayerSpec,
  LinearLayerSpec,
  LpPoolLayerSpec,
  MaxPoolLayerSpec,
} from '../../../kernel/src/trace';

/** The message `run` throws, as a ConvLabError. */
function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConvLabError);
    return (error as ConvLabError).message;
  }
  throw new Error('expected a ConvLabError, nothing was thrown');
}

/** Calls with option objects as a notebook builds them at run time (no excess-property check). */
const loose = <T>(options: Record<string, unknown>): T => options as T;

describe('suggestKey', () => {
  const conv = OPTION_KEYS.Conv2dOptions;
  const layer = OPTION_KEYS.ConvLayerSpec;
  it.each([
    // Other libraries' names.
    ['filters', layer, 'outChannels'],
    ['kernel_size', layer, 'kernel'],
    ['kernelSize', layer, 'kernel'],
    ['kernel_shape', layer, 'kernel'],
    ['pool_size', OPTION_KEYS.MaxPoolLayerSpec, 'kernel'],
    ['poolSize', OPTION_KEYS.AvgPoolLayerSpec, 'kernel'],
    ['strides', conv, 'stride'],
    ['dilation_rate', conv, 'dilation'],
    ['dilationRate', conv, 'dilation'],
    ['dilations', conv, 'dilation'],
    ['pads', conv, 'padding'],
    ['use_bias', layer, 'bias'],
    ['useBias', OPTION_KEYS.LinearLayerSpec, 'bias'],
    ['units', OPTION_KEYS.LinearLayerSpec, 'outFeatures'],
    ['group', conv, 'groups'],
    ['norm_type', OPTION_KEYS.LpPoolOptions, 'p'],
    ['keepdim', OPTION_KEYS.ReduceOptions, 'keepDims'],
    // The same name in another case.
    ['count_include_pad', OPTION_KEYS.AvgPoolOptions, 'countIncludePad'],
    ['ceil_mode', OPTION_KEYS.MaxPoolOptions, 'ceilMode'],
    ['output_padding', OPTION_KEYS.ConvTranspose2dOptions, 'outputPadding'],
    ['out_channels', layer, 'outChannels'],
    ['out_features', OPTION_KEYS.LinearLayerSpec, 'outFeatures'],
    ['output_size', OPTION_KEYS.AdaptivePoolLayerSpec, 'outputSize'],
    ['PADDING', conv, 'padding'],
    // One name, two meanings: conv's paddingMode, pad's mode.
    ['padding_mode', conv, 'paddingMode'],
    ['padding_mode', OPTION_KEYS.PadOptions, 'mode'],
    ['mode', conv, 'paddingMode'],
    ['value', conv, 'padValue'],
    ['padValue', OPTION_KEYS.PadOptions, 'value'],
    // Typos.
    ['stirde', conv, 'stride'],
    ['dilaton', conv, 'dilation'],
    ['paddding', conv, 'padding'],
    ['kernal', layer, 'kernel'],
  ])('%s → %s', (key, known, expected) => {
    expect(suggestKey(key, known)).toBe(expected);
  });

  it.each([
    ['colour', OPTION_KEYS.Conv2dOptions],
    ['x', OPTION_KEYS.LpPoolOptions], // one letter from 'p', but no near miss
    ['name', OPTION_KEYS.PadOptions], // two letters from 'mode' in four
    ['filters', OPTION_KEYS.Conv2dOptions], // outChannels is no option of conv2d
    ['stride', OPTION_KEYS.ReduceOptions],
    ['a'.repeat(5000), OPTION_KEYS.Conv2dOptions],
  ])('%s: nothing close', (key, known) => {
    expect(suggestKey(key, known)).toBeUndefined();
  });
});

describe('checkOptionKeys', () => {
  it('fails on an unknown key, naming it and the key meant', () => {
    expect(messageOf(() => checkOptionKeys('conv2d', 'options', { strides: 2 }, OPTION_KEYS.Conv2dOptions))).toBe(
      "conv2d: options expected only the keys stride, padding, dilation, paddingMode, padValue, groups, bias, got the unknown key 'strides'; " +
        "hint: did you mean 'stride'? (ConvLab's name for Keras', TensorFlow's and ONNX's strides)",
    );
  });

  it('names every unknown key (up to four) and the hint of each', () => {
    const message = messageOf(() =>
      checkOptionKeys('conv2d', 'layer', { op: 'conv2d', filters: 8, kernelSize: 3, colour: 1, a: 1, b: 2 }, OPTION_KEYS.ConvLayerSpec),
    );
    expect(message).toContain("got the unknown keys 'filters', 'kernelSize', 'colour', 'a' and 1 more;");
    expect(message).toContain(
      "hint: 'filters': did you mean 'outChannels'? (ConvLab's name for Keras' and TF.js' filters); " +
        "'kernelSize': did you mean 'kernel'? (ConvLab's name for PyTorch's and Keras' kernel_size, TF.js' kernelSize)",
    );
  });

  it('passes known keys, an absent options object and symbol keys; refuses a non-object', () => {
    expect(() => checkOptionKeys('conv2d', 'options', undefined, OPTION_KEYS.Conv2dOptions)).not.toThrow();
    expect(() => checkOptionKeys('conv2d', 'options', { stride: 2, [Symbol('tag')]: 1 }, OPTION_KEYS.Conv2dOptions)).not.toThrow();
    expect(messageOf(() => checkOptionKeys('conv2d', 'options', null, OPTION_KEYS.Conv2dOptions))).toMatch(
      /^conv2d: options expected an options object with the keys stride, .*, got null$/,
    );
    expect(messageOf(() => checkOptionKeys('conv2d', 'options', 2, OPTION_KEYS.Conv2dOptions))).toMatch(/, got number$/);
    expect(messageOf(() => checkOptionKeys('conv2d', 'options', [1], OPTION_KEYS.Conv2dOptions))).toMatch(/, got an array$/);
  });

  it('says where a thing comes from when it is no option of the op', () => {
    expect(messageOf(() => checkOptionKeys('maxPool2d', 'options', { pool_size: 2 }, OPTION_KEYS.MaxPoolOptions))).toMatch(
      /hint: the kernel size is no option here: a pool takes it as its second argument \(maxPool2d\(x, 2\)\)/,
    );
    expect(messageOf(() => checkOptionKeys('conv2d', 'options', { data_format: 'channels_last' }, OPTION_KEYS.Conv2dOptions))).toMatch(
      /hint: ConvLab is channels-first/,
    );
  });
});

describe('every op family refuses an unknown option key, with the suggestion', () => {
  const x1 = zeros([1, 1, 6]);
  const x2 = zeros([1, 1, 6, 6]);
  const x3 = zeros([1, 1, 4, 4, 4]);
  it.each([
    ['conv1d', () => conv1d(x1, zeros([1, 1, 3]), loose({ strides: 2 })), 'stride'],
    ['conv2d', () => conv2d(x2, zeros([1, 1, 3, 3]), loose({ dilation_rate: 2 })), 'dilation'],
    ['conv3d', () => conv3d(x3, zeros([1, 1, 3, 3, 3]), loose({ pads: 1 })), 'padding'],
    ['conv2d', () => conv2d(x2, zeros([1, 1, 3, 3]), loose({ padding_mode: 'reflect' })), 'paddingMode'],
    ['conv2dBackward', () => conv2dBackward(zeros([1, 1, 4, 4]), x2, zeros([1, 1, 3, 3]), loose({ group: 1 })), 'groups'],
    ['convTranspose1d', () => convTranspose1d(x1, zeros([1, 1, 3]), loose({ output_padding: 1 })), 'outputPadding'],
    ['convTranspose2d', () => convTranspose2d(x2, zeros([1, 1, 3, 3]), loose({ strides: 2 })), 'stride'],
    ['maxPool1d', () => maxPool1d(x1, 2, loose({ ceil_mode: true })), 'ceilMode'],
    ['maxPool2d', () => maxPool2d(x2, 2, loose({ dilations: 1 })), 'dilation'],
    ['maxPool2dBackward', () => maxPool2dBackward(zeros([1, 1, 3, 3]), x2, 2, loose({ strides: 2 })), 'stride'],
    ['avgPool1d', () => avgPool1d(x1, 2, loose({ count_include_pad: false })), 'countIncludePad'],
    ['avgPool2d', () => avgPool2d(x2, 2, loose({ countIncludePads: false })), 'countIncludePad'],
    ['avgPool2dBackward', () => avgPool2dBackward(zeros([1, 1, 3, 3]), x2, 2, loose({ ceil_mode: true })), 'ceilMode'],
    ['lpPool2d', () => lpPool2d(x2, 2, loose({ norm_type: 1 })), 'p'],
    ['im2col', () => im2col(x2, [3, 3], loose({ strides: 2 })), 'stride'],
    ['pad', () => pad(x2, 1, loose({ padding_mode: 'reflect' })), 'mode'],
    ['col2im', () => col2im(zeros([1, 9, 16]), [6, 6], [3, 3], loose({ padding_mode: 'zeros' })), 'paddingMode'],
    ['conv2d (convInfo)', () => convInfo('conv2d', [1, 1, 6, 6], [1, 1, 3, 3], loose({ stirde: 2 })), 'stride'],
    ['im2col (windowInfo)', () => windowInfo('im2col', [6, 6], [3, 3], loose({ groups: 1, pad_value: 1 })), 'padValue'],
    ['avgPool2d (poolInfo)', () => poolInfo('avgPool2d', [1, 1, 6, 6], 2, loose({ ceilmode: true })), 'ceilMode'],
  ])('%s', (label, run, meant) => {
    const op = label.split(' ')[0]!;
    expect(messageOf(run)).toMatch(new RegExp(`^${op}: options expected only the keys .*hint: .*did you mean '${meant}'\\?`));
  });

  it('refuses options of another op: dilation in avgPool2d and lpPool2d, countIncludePad in maxPool2d', () => {
    expect(messageOf(() => avgPool2d(x2, 2, loose({ dilation: 2 })))).toMatch(/^avgPool2d: options expected only the keys stride, padding, ceilMode, countIncludePad, got the unknown key 'dilation'$/);
    expect(messageOf(() => lpPool2d(x2, 2, loose({ dilation: 2 })))).toMatch(/got the unknown key 'dilation'/);
    expect(messageOf(() => maxPool2d(x2, 2, loose({ countIncludePad: false })))).toMatch(/got the unknown key 'countIncludePad'/);
  });

  it('keeps working with every key an option type lists', () => {
    const bias = tensor([0]);
    expect(conv2d(x2, zeros([1, 1, 3, 3]), { stride: 1, padding: 1, dilation: 1, paddingMode: 'reflect', padValue: 0, groups: 1, bias }).shape).toEqual([1, 1, 6, 6]);
    expect(convTranspose2d(x2, zeros([1, 1, 3, 3]), { stride: 2, padding: 1, outputPadding: 1, dilation: 1, groups: 1, bias }).shape).toEqual([1, 1, 12, 12]);
    expect(maxPool2d(x2, 2, { stride: 2, padding: 1, ceilMode: true, dilation: 1 }).shape).toEqual([1, 1, 4, 4]);
    expect(avgPool2d(x2, 2, { stride: 2, padding: 0, ceilMode: false, countIncludePad: false }).shape).toEqual([1, 1, 3, 3]);
    expect(lpPool2d(x2, 2, { stride: 2, padding: 0, ceilMode: false, p: 2 }).shape).toEqual([1, 1, 3, 3]);
  });

  it('traceShapes: an unknown key in a layer stops the trace at that row, with the suggestion', () => {
    const rows = (layers: unknown[], shape = [1, 3, 32, 32]) => traceShapes(shape, layers as LayerSpec[]).rows;
    expect(rows([{ op: 'conv2d', filters: 8, kernelSize: 3 }])[0]?.error).toMatch(
      /^conv2d: layer expected only the keys op, name, outChannels, kernel, bias, stride, .*, got the unknown keys 'filters', 'kernelSize'; hint: 'filters': did you mean 'outChannels'\?/,
    );
    const cases: [unknown, string][] = [
      [{ op: 'maxPool2d', pool_size: 2 }, 'kernel'],
      [{ op: 'avgPool2d', kernel: 2, count_include_pad: false }, 'countIncludePad'],
      [{ op: 'lpPool2d', kernel: 2, norm_type: 1 }, 'p'],
      [{ op: 'adaptiveAvgPool2d', output_size: 1 }, 'outputSize'],
    ];
    for (const [layer, meant] of cases) {
      expect(rows([layer])[0]?.error).toMatch(new RegExp(`hint: did you mean '${meant}'\\?`));
    }
    expect(rows([{ op: 'flatten', start_dim: 1 }])[0]?.error).toBe("flatten: layer expected only the keys op, name, got the unknown key 'start_dim'");
    expect(rows([{ op: 'globalAvgPool', keepdims: true }])[0]?.error).toMatch(/^globalAvgPool: layer expected only the keys op, name, got the unknown key 'keepdims'/);
    expect(rows([{ op: 'relu', inplace: true }])[0]?.error).toMatch(/^relu: layer expected only the keys op, name, got the unknown key 'inplace'/);
    expect(rows([{ op: 'flatten' }, { op: 'linear', units: 10 }])[1]?.error).toMatch(/hint: did you mean 'outFeatures'\? \(ConvLab's name for Keras' units\)/);
  });

  it('traceShapes: a layer name it does not know fails instead of passing as an identity', () => {
    const error = (op: string) => traceShapes([1, 3, 32, 32], [{ op } as unknown as LayerSpec]).rows[0]?.error;
    expect(error('Conv2D')).toMatch(/^traceShapes: layer\.op expected one of conv1d, conv2d, .*, got 'Conv2D'; hint: did you mean 'conv2d'\?$/);
    expect(error('MaxPooling2D')).toMatch(/hint: did you mean 'maxPool2d'\? \(ConvLab's name for Keras' MaxPooling2D\)$/);
    expect(error('Dense')).toMatch(/hint: did you mean 'linear'\?/);
    expect(error('batchNorm')).toMatch(/got 'batchNorm'$/);
  });

  it('traceShapes: every layer kind still traces with all its keys', () => {
    const trace = traceShapes([1, 3, 32, 32], [
      { op: 'conv2d', name: 'c', outChannels: 8, kernel: 3, bias: false, stride: 1, padding: 1, dilation: 1, paddingMode: 'zeros', padValue: 0, groups: 1 },
      { op: 'maxPool2d', name: 'm', kernel: 2, stride: 2, padding: 0, ceilMode: false, dilation: 1 },
      { op: 'avgPool2d', name: 'a', kernel: 2, stride: 2, padding: 0, ceilMode: false, countIncludePad: true },
      { op: 'lpPool2d', name: 'l', kernel: 2, stride: 1, padding: 0, ceilMode: false, p: 2 },
      { op: 'adaptiveAvgPool2d', name: 'ad', outputSize: 2 },
      { op: 'relu', name: 'r' },
      { op: 'globalMaxPool', name: 'g' },
      { op: 'flatten', name: 'f' },
      { op: 'linear', name: 'fc', outFeatures: 4, bias: true },
    ]);
    expect(trace.rows.map((r) => r.error ?? r.outShape.join('×'))).toEqual([
      '1×8×32×32', '1×8×16×16', '1×8×8×8', '1×8×7×7', '1×8×2×2', '1×8×2×2', '1×8×1×1', '1×8', '1×4',
    ]);
  });
});

describe('every key list is exactly its type', () => {
  type KeysOf<T> = T extends unknown ? keyof T : never;
  it('compiles (checked by tsc -p test)', () => {
    expectTypeOf<(typeof OPTION_KEYS.WindowOptions)[number]>().toEqualTypeOf<keyof WindowOptions>();
    expectTypeOf<(typeof OPTION_KEYS.Im2colOptions)[number]>().toEqualTypeOf<keyof Im2colOptions>();
    expectTypeOf<(typeof OPTION_KEYS.ConvOptions)[number]>().toEqualTypeOf<keyof ConvOptions>();
    expectTypeOf<(typeof OPTION_KEYS.Conv2dOptions)[number]>().toEqualTypeOf<keyof Conv2dOptions>();
    expectTypeOf<(typeof OPTION_KEYS.ConvTransposeOptions)[number]>().toEqualTypeOf<keyof ConvTransposeOptions>();
    expectTypeOf<(typeof OPTION_KEYS.ConvTranspose2dOptions)[number]>().toEqualTypeOf<keyof ConvTranspose2dOptions>();
    expectTypeOf<(typeof OPTION_KEYS.ConvTranspose3dOptions)[number]>().toEqualTypeOf<keyof ConvTranspose3dOptions>();
    expectTypeOf<(typeof OPTION_KEYS.PoolWindowOptions)[number]>().toEqualTypeOf<keyof PoolWindowOptions>();
    expectTypeOf<(typeof OPTION_KEYS.MaxPoolOptions)[number]>().toEqualTypeOf<keyof MaxPoolOptions>();
    expectTypeOf<(typeof OPTION_KEYS.AvgPoolOptions)[number]>().toEqualTypeOf<keyof AvgPoolOptions>();
    expectTypeOf<(typeof OPTION_KEYS.LpPoolOptions)[number]>().toEqualTypeOf<keyof LpPoolOptions>();
    expectTypeOf<(typeof OPTION_KEYS.MaxPoolIndexOptions)[number]>().toEqualTypeOf<keyof MaxPoolIndexOptions>();
    expectTypeOf<(typeof OPTION_KEYS.AdaptiveMaxPoolOptions)[number]>().toEqualTypeOf<keyof AdaptiveMaxPoolOptions>();
    expectTypeOf<(typeof OPTION_KEYS.MaxUnpoolOptions)[number]>().toEqualTypeOf<keyof MaxUnpoolOptions>();
    expectTypeOf<(typeof OPTION_KEYS.PadOptions)[number]>().toEqualTypeOf<keyof PadOptions>();
    expectTypeOf<(typeof OPTION_KEYS.ReduceOptions)[number]>().toEqualTypeOf<keyof ReduceOptions>();
    expectTypeOf<(typeof OPTION_KEYS.CrossEntropyOptions)[number]>().toEqualTypeOf<keyof CrossEntropyOptions>();
    expectTypeOf<(typeof OPTION_KEYS.SequentialOptions)[number]>().toEqualTypeOf<keyof SequentialOptions>();
    expectTypeOf<(typeof OPTION_KEYS.SgdOptions)[number]>().toEqualTypeOf<keyof SgdOptions>();
    expectTypeOf<(typeof OPTION_KEYS.ReceptiveLayer)[number]>().toEqualTypeOf<keyof ReceptiveLayer>();
    expectTypeOf<(typeof OPTION_KEYS.ConvLayerSpec)[number]>().toEqualTypeOf<keyof ConvLayerSpec>();
    expectTypeOf<(typeof OPTION_KEYS.MaxPoolLayerSpec)[number]>().toEqualTypeOf<keyof MaxPoolLayerSpec>();
    expectTypeOf<(typeof OPTION_KEYS.AvgPoolLayerSpec)[number]>().toEqualTypeOf<keyof AvgPoolLayerSpec>();
    expectTypeOf<(typeof OPTION_KEYS.LpPoolLayerSpec)[number]>().toEqualTypeOf<keyof LpPoolLayerSpec>();
    expectTypeOf<(typeof OPTION_KEYS.AdaptivePoolLayerSpec)[number]>().toEqualTypeOf<keyof AdaptivePoolLayerSpec>();
    expectTypeOf<(typeof OPTION_KEYS.GlobalPoolLayerSpec)[number]>().toEqualTypeOf<keyof GlobalPoolLayerSpec>();
    expectTypeOf<(typeof OPTION_KEYS.ElementwiseLayerSpec)[number]>().toEqualTypeOf<keyof ElementwiseLayerSpec>();
    expectTypeOf<(typeof OPTION_KEYS.FlattenLayerSpec)[number]>().toEqualTypeOf<keyof FlattenLayerSpec>();
    expectTypeOf<(typeof OPTION_KEYS.LinearLayerSpec)[number]>().toEqualTypeOf<keyof LinearLayerSpec>();
    expectTypeOf<(typeof OPTION_KEYS.LayerSpec)[number]>().toEqualTypeOf<KeysOf<LayerSpec>>();
  });

  it('optionKeys refuses a missing or an extra key at compile time', () => {
    // @ts-expect-error padding is missing
    optionKeys<{ stride?: number; padding?: number }>({ stride: true });
    // @ts-expect-error strides is not a key
    optionKeys<{ stride?: number }>({ stride: true, strides: true });
    expect(optionKeys<{ stride?: number; padding?: number }>({ stride: true, padding: true })).toEqual(['stride', 'padding']);
  });
});

/**
 * The diagnostics TypeScript writes for `snippets` in a cell that imports the library (as the kernel's
 * prelude does), one message per snippet (the first of its chain, as tslab hands them over one by one).
 */
function diagnosticsOf(snippets: readonly string[]): string[][] {
  const library = path.resolve(__dirname, '../../../kernel/src/index');
  const file = path.resolve(__dirname, '__cell__.ts');
  const header = [
    `import { conv2d, maxPool2d, avgPool2d, pad, traceShapes, zeros } from ${JSON.stringify(library)};`,
    'const x = zeros([1, 1, 6, 6]);',
    'const w = zeros([1, 1, 3, 3]);',
  ];
  const source = [...header, ...snippets.map((s) => `{ ${s} }`), 'export {};'].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) =>
    path.resolve(name) === file ? ts.createSourceFile(name, source, version) : getSourceFile.call(host, name, version, ...rest);
  host.fileExists = (name) => path.resolve(name) === file || fileExists.call(host, name);
  host.readFile = (name) => (path.resolve(name) === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const cell = program.getSourceFile(file)!;
  const byLine: string[][] = snippets.map(() => []);
  for (const diagnostic of ts.getPreEmitDiagnostics(program, cell)) {
    const line = cell.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line - header.length;
    const text = typeof diagnostic.messageText === 'string' ? diagnostic.messageText : diagnostic.messageText.messageText;
    byLine[line]?.push(text);
  }
  return byLine;
}

describe('explainDiagnostic, on what TypeScript really writes', () => {
  const cases: [snippet: string, hint: string | undefined][] = [
    [
      "traceShapes([1, 3, 32, 32], [{ op: 'conv2d', filters: 8, kernelSize: 3 }]);",
      "did you mean 'outChannels'? (ConvLab's name for Keras' and TF.js' filters)",
    ],
    [
      "traceShapes([1, 3, 32, 32], [{ op: 'conv2d', outChannels: 8, kernel_size: 3 }]);",
      "did you mean 'kernel'? (ConvLab's name for PyTorch's and Keras' kernel_size, TF.js' kernelSize)",
    ],
    // TypeScript suggests 'stride' itself: only whose name `strides` is gets added.
    ['conv2d(x, w, { strides: 2 });', "'stride' is ConvLab's name for Keras', TensorFlow's and ONNX's strides"],
    ['conv2d(x, w, { dilation_rate: 2 });', "did you mean 'dilation'? (ConvLab's name for Keras' dilation_rate, TF.js' dilationRate)"],
    ["pad(x, 1, { padding_mode: 'reflect' });", "did you mean 'mode'? (ConvLab's name for PyTorch's padding_mode)"],
    ["traceShapes([1, 3], [{ op: 'linear', units: 8 }]);", "did you mean 'outFeatures'? (ConvLab's name for Keras' units)"],
    // Not a literal: TypeScript lists the object's type instead.
    ['const opts = { strides: 2 }; conv2d(x, w, opts);', "did you mean 'stride'? (ConvLab's name for Keras', TensorFlow's and ONNX's strides)"],
    ['maxPool2d(x, 2, { pool_size: 2 });', "the kernel size is no option here: a pool takes it as its second argument (maxPool2d(x, 2)), a convolution reads it from the weight's shape"],
    ['conv2d(x, w, { colour: 1 });', 'Conv2dOptions takes stride, padding, dilation, paddingMode, padValue, groups, bias'],
    // TypeScript's own suggestion is the whole story.
    ['avgPool2d(x, 2, { count_include_pad: false });', undefined],
    // Not about ConvLab's option types.
    ['x.shapes;', undefined],
    ["const n: number = 'seven';", undefined],
  ];

  it('adds the hint to each', () => {
    const diagnostics = diagnosticsOf(cases.map(([snippet]) => snippet));
    cases.forEach(([snippet, hint], i) => {
      const texts = diagnostics[i]!;
      expect(texts, snippet).toHaveLength(1);
      expect([snippet, explainDiagnostic(texts[0]!)]).toEqual([snippet, hint]);
    });
  }, 60_000);

  it('reads the texts it knows, and nothing else', () => {
    expect(explainDiagnostic("Object literal may only specify known properties, and 'filters' does not exist in type 'ConvLab.ConvLayerSpec'.")).toBe(
      "did you mean 'outChannels'? (ConvLab's name for Keras' and TF.js' filters)",
    );
    expect(explainDiagnostic("Type '{ colour: number; strides: number; }' has no properties in common with type 'Conv2dOptions'.")).toBe(
      "did you mean 'stride' for 'strides'? (ConvLab's name for Keras', TensorFlow's and ONNX's strides)",
    );
    expect(explainDiagnostic("Object literal may only specify known properties, and 'constructor' does not exist in type 'toString'.")).toBeUndefined();
    expect(explainDiagnostic('')).toBeUndefined();
  });
});
