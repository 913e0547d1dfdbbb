/**
 * ConvLab's JupyterLab MIME extension: declares which MIME types it draws and with which widget.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { ShapeTraceWidget } from './trace-widget';
import { FeatureMapWidget } from './widget';

/** The vendor MIME type of a feature map (schema: ./schema.d.ts). */
export const FEATURE_MAP_MIME = 'application/vnd.convlab.featuremap.v1+json';
/** The vendor MIME type of a shape trace (schema: ./schema.d.ts). */
export const SHAPE_TRACE_MIME = 'application/vnd.convlab.shapetrace.v1+json';

/** Both factories are `safe` (nothing from a payload is parsed as HTML) and rank 10, below HTML's 50, so the
 * extension wins over the bundle's static fallbacks. */
const rank = 10;

/** Draws feature maps. */
export const featureMapFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [FEATURE_MAP_MIME],
  defaultRank: rank,
  createRenderer: (options) => new FeatureMapWidget(options),
};

/** Draws shape traces. */
export const shapeTraceFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [SHAPE_TRACE_MIME],
  defaultRank: rank,
  createRenderer: (options) => new ShapeTraceWidget(options),
};

const extensions: IRenderMime.IExtension[] = [
  { id: 'convlab-extension:featuremap', rendererFactory: featureMapFactory, rank, dataType: 'json' },
  { id: 'convlab-extension:shapetrace', rendererFactory: shapeTraceFactory, rank, dataType: 'json' },
];

export default extensions;
