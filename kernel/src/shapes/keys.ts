/**
 * Option keys: the run-time check of option objects (an unknown key fails instead of being ignored) and the
 * "did you mean" help for names other libraries use: Keras' `filters`, PyTorch's `kernel_size`, ONNX's `pads`.
 *
 * The same help serves TypeScript's own errors: {@link explainDiagnostic} reads a diagnostic such as
 * "… 'filters' does not exist in type 'ConvLayerSpec'." and returns the hint the kernel appends to it.
 *
 * The key list of each option type sits next to the type where this module can see it (types.ts); the lists
 * of the types declared above shapes/ (the ops' `Conv2dOptions`, `PadOptions`, …, and trace.ts' layer specs)
 * are here, since shapes/ imports nothing above it. test/unit/shapes/keys.test.ts checks every list against
 * its type.
 */
import { fail } from '../errors';
import {
  AVG_POOL_OPTION_KEYS,
  CONV_OPTION_KEYS,
  CONV_TRANSPOSE_OPTION_KEYS,
  LP_POOL_OPTION_KEYS,
  MAX_POOL_OPTION_KEYS,
  MAX_POOL_INDEX_OPTION_KEYS,
  ADAPTIVE_MAX_POOL_OPTION_KEYS,
  MAX_UNPOOL_OPTION_KEYS,
  POOL_WINDOW_OPTION_KEYS,
  RECEPTIVE_LAYER_KEYS,
  WINDOW_OPTION_KEYS,
} from './types';

/** Every layer spec has these two: which layer, and the name shown in the trace. */
const LAYER = ['op', 'name'] as const;
/** The ops' conv options: {@link CONV_OPTION_KEYS} plus the bias tensor (ops/conv.ts `Conv2dOptions`). */
const CONV_OP_KEYS = [...CONV_OPTION_KEYS, 'bias'] as const;
/** ops/transpose.ts `ConvTranspose2dOptions`: {@link CONV_TRANSPOSE_OPTION_KEYS} plus the bias tensor. */
const CONV_TRANSPOSE_OP_KEYS = [...CONV_TRANSPOSE_OPTION_KEYS, 'bias'] as const;
const CONV_LAYER_KEYS = [...LAYER, 'outChannels', 'kernel', 'bias', ...CONV_OPTION_KEYS] as const;
const MAX_POOL_LAYER_KEYS = [...LAYER, 'kernel', ...MAX_POOL_OPTION_KEYS] as const;
const AVG_POOL_LAYER_KEYS = [...LAYER, 'kernel', ...AVG_POOL_OPTION_KEYS] as const;
const LP_POOL_LAYER_KEYS = [...LAYER, 'kernel', ...LP_POOL_OPTION_KEYS] as const;
const ADAPTIVE_POOL_LAYER_KEYS = [...LAYER, 'outputSize'] as const;
const LINEAR_LAYER_KEYS = [...LAYER, 'outFeatures', 'bias'] as const;

/**
 * The keys each public option type accepts, by the type's name (the name TypeScript prints in a diagnostic).
 * `LayerSpec` (a union) lists the keys any layer accepts.
 *
 * @example
 * OPTION_KEYS.MaxPoolOptions; // ['stride', 'padding', 'ceilMode', 'dilation']
 */
export const OPTION_KEYS = {
  WindowOptions: WINDOW_OPTION_KEYS,
  Im2colOptions: WINDOW_OPTION_KEYS,
  ConvOptions: CONV_OPTION_KEYS,
  Conv1dOptions: CONV_OP_KEYS,
  Conv2dOptions: CONV_OP_KEYS,
  Conv3dOptions: CONV_OP_KEYS,
  ConvTransposeOptions: CONV_TRANSPOSE_OPTION_KEYS,
  ConvTranspose1dOptions: CONV_TRANSPOSE_OP_KEYS,
  ConvTranspose2dOptions: CONV_TRANSPOSE_OP_KEYS,
  ConvTranspose3dOptions: CONV_TRANSPOSE_OP_KEYS,
  PoolWindowOptions: POOL_WINDOW_OPTION_KEYS,
  MaxPoolOptions: MAX_POOL_OPTION_KEYS,
  AvgPoolOptions: AVG_POOL_OPTION_KEYS,
  LpPoolOptions: LP_POOL_OPTION_KEYS,
  MaxPoolIndexOptions: MAX_POOL_INDEX_OPTION_KEYS,
  AdaptiveMaxPoolOptions: ADAPTIVE_MAX_POOL_OPTION_KEYS,
  MaxUnpoolOptions: MAX_UNPOOL_OPTION_KEYS,
  /** ops/pad.ts `PadOptions`. */
  PadOptions: ['mode', 'value'],
  /** ops/elementwise.ts `ReduceOptions`. */
  ReduceOptions: ['keepDims'],
  /** ops/nn.ts `CrossEntropyOptions`. */
  CrossEntropyOptions: ['reduction', 'labelSmoothing'],
  /** network.ts `SequentialOptions`. */
  SequentialOptions: ['inputShape', 'seed', 'title'],
  /** network.ts `SgdOptions` (torch.optim.SGD's, camel-cased). */
  SgdOptions: ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'],
  ReceptiveLayer: RECEPTIVE_LAYER_KEYS,
  ConvLayerSpec: CONV_LAYER_KEYS,
  MaxPoolLayerSpec: MAX_POOL_LAYER_KEYS,
  AvgPoolLayerSpec: AVG_POOL_LAYER_KEYS,
  LpPoolLayerSpec: LP_POOL_LAYER_KEYS,
  AdaptivePoolLayerSpec: ADAPTIVE_POOL_LAYER_KEYS,
  GlobalPoolLayerSpec: LAYER,
  ElementwiseLayerSpec: LAYER,
  FlattenLayerSpec: LAYER,
  LinearLayerSpec: LINEAR_LAYER_KEYS,
  LayerSpec: [
    ...new Set([
      ...CONV_LAYER_KEYS,
      ...MAX_POOL_LAYER_KEYS,
      ...AVG_POOL_LAYER_KEYS,
      ...LP_POOL_LAYER_KEYS,
      ...ADAPTIVE_POOL_LAYER_KEYS,
      ...LINEAR_LAYER_KEYS,
    ]),
  ],
} as const satisfies Record<string, readonly string[]>;

/**
 * Other libraries' names for ConvLab's, by their folded spelling (see {@link fold}): where each name comes from,
 * and ConvLab's candidates, the first one an option type accepts wins (`padding_mode` is conv's `paddingMode`
 * but `pad`'s `mode`). Names that differ only in case or underscores (`ceil_mode`, `count_include_pad`,
 * `out_channels`) need no entry: folding matches them.
 */
const SYNONYMS: Readonly<Record<string, { readonly to: readonly string[]; readonly from: string }>> = {
  filters: { to: ['outChannels'], from: "Keras' and TF.js' filters" },
  kernelsize: { to: ['kernel'], from: "PyTorch's and Keras' kernel_size, TF.js' kernelSize" },
  kernelshape: { to: ['kernel'], from: "ONNX's kernel_shape" },
  poolsize: { to: ['kernel'], from: "Keras' pool_size, TF.js' poolSize" },
  ksize: { to: ['kernel'], from: "TensorFlow's ksize" },
  strides: { to: ['stride'], from: "Keras', TensorFlow's and ONNX's strides" },
  dilationrate: { to: ['dilation'], from: "Keras' dilation_rate, TF.js' dilationRate" },
  dilations: { to: ['dilation'], from: "ONNX's and TensorFlow's dilations" },
  pads: { to: ['padding'], from: "ONNX's pads" },
  autopad: { to: ['padding'], from: "ONNX's auto_pad" },
  outputshape: { to: ['outputSize'], from: "ONNX's output_shape" },
  usebias: { to: ['bias'], from: "Keras' use_bias, TF.js' useBias" },
  paddingmode: { to: ['paddingMode', 'mode'], from: "PyTorch's padding_mode" },
  mode: { to: ['paddingMode'], from: "pad's and PyTorch F.pad's mode" },
  value: { to: ['padValue'], from: "pad's and PyTorch F.pad's value" },
  padvalue: { to: ['value'], from: "the convolutions' padValue" },
  constantvalues: { to: ['value', 'padValue'], from: "NumPy's and TensorFlow's constant_values" },
  group: { to: ['groups'], from: "ONNX's group" },
  normtype: { to: ['p'], from: "PyTorch's norm_type" },
  units: { to: ['outFeatures'], from: "Keras' units" },
  keepdim: { to: ['keepDims'], from: "PyTorch's keepdim" },
  learningrate: { to: ['lr'], from: "Keras' learning_rate" },
  // Layer names (a layer spec's `op`).
  dense: { to: ['linear'], from: "Keras' Dense" },
  maxpooling1d: { to: ['maxPool1d'], from: "Keras' MaxPooling1D" },
  maxpooling2d: { to: ['maxPool2d'], from: "Keras' MaxPooling2D" },
  averagepooling1d: { to: ['avgPool1d'], from: "Keras' AveragePooling1D" },
  averagepooling2d: { to: ['avgPool2d'], from: "Keras' AveragePooling2D" },
  globalaveragepooling1d: { to: ['globalAvgPool'], from: "Keras' GlobalAveragePooling1D" },
  globalaveragepooling2d: { to: ['globalAvgPool'], from: "Keras' GlobalAveragePooling2D" },
  globalmaxpooling1d: { to: ['globalMaxPool'], from: "Keras' GlobalMaxPooling1D" },
  globalmaxpooling2d: { to: ['globalMaxPool'], from: "Keras' GlobalMaxPooling2D" },
  adaptiveavgpool2d: { to: ['adaptiveAvgPool2d'], from: "PyTorch's AdaptiveAvgPool2d" },
  // Names with no option of their own in ConvLab: NOT_AN_OPTION says where the thing comes from instead.
  inchannels: { to: ['inChannels'], from: "PyTorch's in_channels" },
  dataformat: { to: ['dataFormat'], from: "Keras' data_format" },
  activation: { to: ['activation'], from: "Keras' activation" },
};

/**
 * Where a thing comes from when it is no option of the type at hand (by ConvLab's name): `pool_size` in
 * `maxPool2d`'s options, `filters` in `conv2d`'s, Keras' `data_format` anywhere.
 */
const NOT_AN_OPTION: Readonly<Record<string, string>> = {
  kernel: "the kernel size is no option here: a pool takes it as its second argument (maxPool2d(x, 2)), a convolution reads it from the weight's shape",
  outChannels: "the output channels are no option here: a convolution reads them from the weight's shape [outChannels, inChannels/groups, ...kernel]",
  inChannels: "the input channels come from the input's shape [batch, channels, ...spatial]",
  dataFormat: 'ConvLab is channels-first ([batch, channels, ...spatial]), as PyTorch; move the channels axis of channels-last data first',
  activation: "an activation is a layer of its own ({ op: 'relu' }) or a call (relu(y))",
};

/** Why another library's name is no option of `known`, or undefined. */
function notAnOption(key: string, known: readonly string[]): string | undefined {
  const folded = fold(key);
  if (!Object.hasOwn(SYNONYMS, folded)) return undefined;
  const target = SYNONYMS[folded]?.to.find((k) => !known.includes(k) && Object.hasOwn(NOT_AN_OPTION, k));
  return target === undefined ? undefined : NOT_AN_OPTION[target];
}

/** A name with case, underscores and dashes folded away: `kernel_size`, `kernelSize` and `KernelSize` agree. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, '');
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (__, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      const up = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

/** The suggestion for `key` and why: another library's name, a spelling that differs in case or underscores,
 * or a near miss (neither). */
interface Suggestion {
  key: string;
  /** Whose name `key` is, e.g. `Keras' filters`. */
  origin?: string;
  /** `key` is the suggestion in snake_case (or another case). */
  respelled?: boolean;
}

/** Why the suggestion, for a parenthesis: `ConvLab's name for Keras' filters`. */
function reason(found: Suggestion, key: string): string | undefined {
  if (found.origin) return `ConvLab's name for ${found.origin}`;
  return found.respelled && /[_-]/.test(key) ? 'ConvLab spells names in camelCase' : undefined;
}

function suggest(key: string, known: readonly string[]): Suggestion | undefined {
  const folded = fold(key);
  const same = known.find((k) => fold(k) === folded);
  if (same !== undefined && same !== key) return { key: same, respelled: true };
  const synonym = Object.hasOwn(SYNONYMS, folded) ? SYNONYMS[folded] : undefined;
  const target = synonym?.to.find((k) => known.includes(k));
  if (synonym && target !== undefined) return { key: target, origin: synonym.from };
  // A near miss: at most one edit per three letters, at most two, and never a whole short word (`x` is no `p`).
  let best: { key: string; distance: number } | undefined;
  if (folded.length > 64) return undefined;
  for (const candidate of known) {
    const other = fold(candidate);
    const limit = Math.min(2, Math.floor(Math.max(folded.length, other.length) / 3));
    const distance = editDistance(folded, other);
    if (distance <= limit && distance < Math.min(folded.length, other.length) && (!best || distance < best.distance)) {
      best = { key: candidate, distance };
    }
  }
  return best && { key: best.key };
}

/**
 * The valid key nearest to `key`: first a spelling that differs only in case or underscores (`ceil_mode` →
 * `ceilMode`), then another library's name for it (`filters` → `outChannels`, `kernel_size`, `kernelSize`,
 * `kernel_shape`, `pool_size` → `kernel`, `strides` → `stride`, `dilation_rate`, `dilations` → `dilation`,
 * `pads` → `padding`, `use_bias` → `bias`, `padding_mode` → `paddingMode` or `mode`, …), then a near miss by
 * edit distance (`dilaton` → `dilation`); undefined when nothing is close. Only keys in `known` are suggested.
 *
 * @example
 * suggestKey('filters', ['op', 'outChannels', 'kernel']); // 'outChannels'
 * suggestKey('strides', OPTION_KEYS.Conv2dOptions);       // 'stride'
 * suggestKey('colour', OPTION_KEYS.Conv2dOptions);        // undefined
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  return suggest(key, known)?.key;
}

/** `'stride'`: how messages quote a key. */
function quote(key: string): string {
  return `'${key.length > 40 ? `${key.slice(0, 39)}…` : key}'`;
}

/**
 * The hint for an unknown name: {@link suggestKey}'s answer and why; else, for another library's name of a thing
 * that is no option here, where it comes from; else undefined.
 *
 * @example
 * didYouMean('filters', OPTION_KEYS.ConvLayerSpec);   // "did you mean 'outChannels'? (ConvLab's name for Keras' and TF.js' filters)"
 * didYouMean('pool_size', OPTION_KEYS.MaxPoolOptions); // "the kernel size is no option here: a pool takes it as its second argument …"
 */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const found = suggest(key, known);
  if (!found) return notAnOption(key, known);
  const why = reason(found, key);
  return `did you mean ${quote(found.key)}?${why ? ` (${why})` : ''}`;
}

/**
 * Fails with a {@link ConvLabError} when `options` has a key outside `known`, naming it and, in the hint, the
 * key meant ({@link suggestKey}); so a misspelled or foreign option is an error, not silently ignored. An
 * absent `options` (undefined) passes; anything but an object fails. Symbol keys are not options and pass.
 *
 * @example
 * checkOptionKeys('conv2d', 'options', { strides: 2 }, OPTION_KEYS.Conv2dOptions);
 * // throws: conv2d: options expected only the keys stride, padding, dilation, paddingMode, padValue, groups,
 * //   bias, got the unknown key 'strides'; hint: did you mean 'stride'? (ConvLab's name for Keras', TensorFlow's
 * //   and ONNX's strides)
 */
export function checkOptionKeys(op: string, arg: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  const list = known.join(', ');
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail({
      op,
      arg,
      expected: `an options object with the keys ${list}`,
      actual: options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options,
    });
  }
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length === 0) return;
  const shown = unknown.slice(0, 4).map(quote).join(', ') + (unknown.length > 4 ? ` and ${unknown.length - 4} more` : '');
  const hints = unknown.slice(0, 4).flatMap((key) => {
    const hint = didYouMean(key, known);
    return hint === undefined ? [] : [unknown.length === 1 ? hint : `${quote(key)}: ${hint}`];
  });
  fail({
    op,
    arg,
    expected: `only the keys ${list}`,
    actual: `the unknown key${unknown.length === 1 ? '' : 's'} ${shown}`,
    ...(hints.length > 0 ? { hint: hints.join('; ') } : {}),
  });
}

/** The parts of TypeScript's diagnostics about a property a type lacks: TS2353 and TS2561 (object literals),
 * TS2339 and TS2551 (property access), TS2559 (no property in common, listing the literal's type). */
const EXCESS = /'([^']+)' does not exist (?:in|on) type '([^']+)'/;
const NOTHING_IN_COMMON = /^Type '\{ (.*) \}' has no properties in common with type '([^']+)'/;
const TS_SUGGESTS = /Did you mean (?:to write )?'([^']+)'\?/;

/** The keys of the type TypeScript named, or undefined for a type that is not a ConvLab option type. */
function keysOfType(typeName: string): readonly string[] | undefined {
  const name = typeName.replace(/^.*\./, '').replace(/<.*$/, '');
  return Object.hasOwn(OPTION_KEYS, name) ? OPTION_KEYS[name as keyof typeof OPTION_KEYS] : undefined;
}

/**
 * The help to append to a TypeScript diagnostic about an option key that does not exist, or undefined when the
 * diagnostic is about something else (or a type that is not one of ConvLab's option types). Where TypeScript
 * already suggested the same key, only the reason is added; where nothing is close, the valid keys are listed.
 *
 * @param text one diagnostic message, as TypeScript writes it
 * @example
 * explainDiagnostic("Object literal may only specify known properties, and 'filters' does not exist in type 'ConvLayerSpec'.");
 * // "did you mean 'outChannels'? (ConvLab's name for Keras' filters)"
 * explainDiagnostic("Object literal may only specify known properties, but 'strides' does not exist in type 'Conv2dOptions'. Did you mean to write 'stride'?");
 * // "'stride' is ConvLab's name for Keras', TensorFlow's and ONNX's strides"
 * explainDiagnostic("Cannot find name 'x'."); // undefined
 */
export function explainDiagnostic(text: string): string | undefined {
  let keys: string[];
  let typeName: string;
  const excess = EXCESS.exec(text);
  const nothingInCommon = NOTHING_IN_COMMON.exec(text);
  if (excess) {
    keys = [excess[1]!];
    typeName = excess[2]!;
  } else if (nothingInCommon) {
    // `{ strides: number; 'kernel-size'?: number; }`: the names before each top-level colon.
    keys = [...nothingInCommon[1]!.matchAll(/(?:^|; )(?:'([^']+)'|"([^"]+)"|([A-Za-z_$][\w$]*))\??:/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
    typeName = nothingInCommon[2]!;
  } else {
    return undefined;
  }
  const known = keysOfType(typeName);
  if (!known) return undefined;
  const tsSuggested = TS_SUGGESTS.exec(text)?.[1];
  for (const key of keys) {
    const found = suggest(key, known);
    if (!found) continue;
    // TypeScript already named the key: add only whose name the user wrote, if it is another library's.
    if (found.key === tsSuggested) return found.origin && `${quote(found.key)} is ConvLab's name for ${found.origin}`;
    const why = reason(found, key);
    return `did you mean ${quote(found.key)}${keys.length > 1 ? ` for ${quote(key)}` : ''}?${why ? ` (${why})` : ''}`;
  }
  const note = keys.map((key) => notAnOption(key, known)).find((text) => text !== undefined);
  if (note !== undefined) return note;
  return tsSuggested === undefined ? `${typeName.replace(/^.*\./, '')} takes ${known.join(', ')}` : undefined;
}
