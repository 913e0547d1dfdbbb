/**
 * Shape arithmetic for convolution, padding, pooling and the tensor constructors, pure and public: every op
 * and every backend reads the records built here, and every shape or option error is raised here, so all
 * backends fail with the same words. Sizes are computed nowhere else.
 *
 * One entry for the topics of this folder: types.ts (options and info records), checks.ts (validation),
 * padding.ts (padded-cell sources), conv.ts (output sizes, conv records), pool.ts, receptive.ts, keys.ts (option
 * keys: the run-time check and "did you mean" for other libraries' names).
 */
export * from './types';
export * from './checks';
export * from './padding';
export * from './conv';
export * from './pool';
export * from './receptive';
export * from './keys';
