/**
 * `@convlab/protocol`: the payload contract between ConvLab's kernel and its JupyterLab extension — the MIME
 * types, the payload types, their validation, the shape-trace table, and the inspector comm's messages. Both sides import it by this name;
 * it imports nothing, so it runs in Node and in the browser alike.
 *
 * @example
 * import { FEATURE_MAP_MIME, validateFeatureMap } from '@convlab/protocol';
 * validateFeatureMap(bundle.data[FEATURE_MAP_MIME]).ok; // true for every payload the kernel sends
 */
export * from './mime';
export type * from './schema';
export * from './validate';
export * from './trace-table';
export * from './scale';
export * from './padding';
export * from './window-text';
export * from './inspector';
