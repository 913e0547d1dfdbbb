/** The versioned MIME types of ConvLab's payloads: the kernel sends them, the extension registers for them. */

/** A feature map: {@link FeatureMapPayload} (./schema.ts). */
export const FEATURE_MAP_MIME = 'application/vnd.convlab.featuremap.v1+json';
/** A shape trace: {@link ShapeTracePayload} (./schema.ts). */
export const SHAPE_TRACE_MIME = 'application/vnd.convlab.shapetrace.v1+json';
