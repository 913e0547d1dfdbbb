/**
 * ConvLab's library: what every notebook cell can call without an import.
 *
 * @example
 * const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
 * const w = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
 * conv2d(x, w).toArray(); // [[[[348, 393], [528, 573]]]]
 */
import './display/tensor-display';
export { Tensor, tensor, numel, zeros, ones, full, arange, rand, randn } from './tensor';
export type { NestedArray, Provenance, RandomOptions, DeviceArray, Values } from './tensor';
export { JUPYTER_DISPLAY } from './display/protocol';
export type { Shape } from './shapes';
export { ConvLabError } from './errors';
export {
  convInfo,
  convTransposeInfo,
  outputSize,
  transposedOutputSize,
  windowInfo,
  padSource,
  setAllocationLimit,
  allocationLimit,
  PAD_MODES,
} from './shapes';
export type {
  ConvInfo,
  AxisInfo,
  WindowInfo,
  ConvOptions,
  ConvTransposeOptions,
  WindowOptions,
  Padding,
  PaddingKind,
  PadMode,
  PadPair,
} from './shapes';
export { conv1d, conv2d, conv3d } from './ops/conv';
export type { Conv1dOptions, Conv2dOptions, Conv3dOptions } from './ops/conv';
export { convTranspose1d, convTranspose2d, convTranspose3d } from './ops/transpose';
export type { ConvTranspose1dOptions, ConvTranspose2dOptions, ConvTranspose3dOptions } from './ops/transpose';
export { pad } from './ops/pad';
export { loadImage, IMAGE_MODES, GRAY_WEIGHTS } from './ops/image';
export type { ImageMode, LoadImageOptions } from './ops/image';
export type { PadOptions } from './ops/pad';
export { im2col, col2im } from './ops/im2col';
export type { Im2colOptions, KernelSize, ImageSize } from './ops/im2col';
export { add, sub, mul, div, relu, sum, mean, max } from './ops/elementwise';
export type { Operand, ReduceOptions } from './ops/elementwise';
export { backend, useBackend, autoChoices, gpuMode, gpuRenderer, gpuHeld, setGpuMode, setGpuPipeline } from './backends';
export type { AutoChoice, BackendName } from './backends';
export { wasmThreads } from './backends';
export { display } from './display/display';
export { tensorBundle } from './display/bundle';
export type { TensorBundleOptions } from './display/bundle';
export { Widget, intSlider, floatSlider, dropdown, toggleButtons, checkbox, text, html, label, button, hbox, vbox } from './widgets';
export { Slider, Selection, ValueControl, Button, Box, Output, output, interact, WIDGET_VIEW_MIME } from './widgets';
export { escapeHtml } from './display/html';
export type { AnyWidget, Change, ValueWidget, ValueOf, SliderOptions, SliderTraits, SelectionOption, SelectionOptions } from './widgets';
export type { SelectionTraits, ValueTraits, ButtonTraits, BoxTraits, OutputItem, OutputTraits, Captured, InteractValues } from './widgets';
export { explore, teachingKernel, EXPLORE_OPS, EXPLORE_PADDINGS, EXPLORE_PAD_MODES } from './widgets/explore';
export type { ExploreOp, ExploreOptions, ExploreSettings } from './widgets/explore';
export type { MimeBundle } from './display/protocol';
export {
  maxPool1d,
  maxPool2d,
  maxPool3d,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  lpPool1d,
  lpPool2d,
  lpPool3d,
  globalAvgPool,
  globalMaxPool,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  maxUnpool1d,
  maxUnpool2d,
  maxUnpool3d,
} from './ops/pool';
export type { MaxPoolResult, MaxPoolOutput } from './ops/pool';
export type {
  MaxPoolOptions,
  MaxPoolIndexOptions,
  AvgPoolOptions,
  LpPoolOptions,
  AdaptiveMaxPoolOptions,
  AdaptiveOutputSize,
  MaxUnpoolOptions,
} from './shapes';
export {
  conv1dBackward,
  conv2dBackward,
  conv3dBackward,
  maxPool1dBackward,
  maxPool2dBackward,
  maxPool3dBackward,
  avgPool1dBackward,
  avgPool2dBackward,
  avgPool3dBackward,
  lpPool1dBackward,
  lpPool2dBackward,
  lpPool3dBackward,
  adaptiveAvgPool1dBackward,
  adaptiveAvgPool2dBackward,
  adaptiveAvgPool3dBackward,
  adaptiveMaxPool1dBackward,
  adaptiveMaxPool2dBackward,
  adaptiveMaxPool3dBackward,
} from './ops/grad';
export type { ConvGradients, Conv2dGradients } from './ops/grad';
export {
  flatten,
  linear,
  linearBackward,
  softmax,
  logSoftmax,
  softmaxBackward,
  logSoftmaxBackward,
  sigmoid,
  sigmoidBackward,
  tanh,
  tanhBackward,
  reluBackward,
  crossEntropy,
  crossEntropyBackward,
} from './ops/nn';
export type { LinearGradients, CrossEntropyOptions, ClassTargets } from './ops/nn';
export { sequential, Sequential, Layer, sgd, SGD } from './network';
export type { Parameter, SequentialOptions, SgdOptions } from './network';
export { poolInfo, poolOutputSize, adaptivePoolInfo, maxUnpoolInfo, receptiveField } from './shapes';
export type { PoolInfo, AdaptivePoolInfo, PoolWindowOptions, ReceptiveLayer, ReceptiveInfo } from './shapes';
export { traceShapes, recordShapes, traceOp, ShapeTrace } from './trace';
export type { LayerSpec, TraceStep } from './trace';
export { show, showBundle } from './display/show';
export type { ShowParts } from './display/show';
export { DisplayHandle } from './display/display';
export type { DisplayOptions } from './display/display';
export { setDisplayOptions, displayOptions } from './display/options';
export type { DisplayLimits } from './display/options';
export { shapeTraceBundle } from './display/shapetrace';
export { table, Table } from './display/table';
export type { TableOptions } from './display/table';
export { lineChart, LineChart } from './display/chart';
export type { LineChartOptions } from './display/chart';
export { FEATURE_MAP_MIME, SHAPE_TRACE_MIME } from '@convlab/protocol';
export { clearOutput } from './display/display';
export { versions } from './versions';
export type { Versions } from './versions';
