/**
 * ConvLab's library: what every notebook cell can call without an import.
 *
 * @example
 * const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
 * const w = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
 * conv2d(x, w).toArray(); // [[[[348, 393], [528, 573]]]]
 */
export { Tensor, tensor, numel, JUPYTER_DISPLAY } from './tensor';
export type { Shape, NestedArray, Provenance } from './tensor';
export { ConvLabError } from './errors';
export { convInfo, outputSize } from './shapes';
export type { ConvInfo, AxisInfo, ConvOptions, Padding } from './shapes';
export { conv2d } from './ops/conv';
export type { Conv2dOptions } from './ops/conv';
export { backend, useBackend } from './backends';
export { display } from './display/display';
export { tensorBundle, FEATURE_MAP_MIME } from './display/bundle';
export type { MimeBundle } from './display/bundle';
export {
  maxPool1d,
  maxPool2d,
  avgPool1d,
  avgPool2d,
  lpPool2d,
  globalAvgPool,
  globalMaxPool,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
} from './ops/pool';
export type { MaxPoolOptions, AvgPoolOptions, LpPoolOptions } from './ops/pool';
export {
  conv2dBackward,
  maxPool2dBackward,
  avgPool2dBackward,
  adaptiveAvgPool2dBackward,
  adaptiveMaxPool2dBackward,
} from './ops/grad';
export type { Conv2dGradients } from './ops/grad';
export { poolInfo, poolOutputSize, adaptivePoolInfo, receptiveField } from './shapes';
export type { PoolInfo, AdaptivePoolInfo, PoolWindowOptions, ReceptiveLayer, ReceptiveInfo } from './shapes';
export { traceShapes, recordShapes, traceOp, ShapeTrace, SHAPE_TRACE_MIME } from './trace';
export type { LayerSpec, TraceStep } from './trace';
