/**
 * ConvLab's JupyterLab MIME extension: declares which MIME types it draws and with which widget.
 */
import { FEATURE_MAP_MIME, SHAPE_TRACE_MIME } from '@convlab/protocol';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { ShapeTraceWidget } from './trace-widget';
import { FeatureMapWidget } from './widget';

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
