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
export { show, showBundle } from './display/show';
export type { ShowParts } from './display/show';
export { DisplayHandle } from './display/display';
export type { DisplayOptions } from './display/display';
export { setDisplayOptions, displayOptions } from './display/options';
export type { DisplayLimits } from './display/options';
export { shapeTraceBundle, SHAPE_TRACE_MIME } from './display/shapetrace';
export { clearOutput } from './display/display';
