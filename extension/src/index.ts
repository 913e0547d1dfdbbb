/**
 * ConvLab's JupyterLab MIME extension: declares which MIME types it draws and with which widget.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { FeatureMapWidget } from './widget';

/** The vendor MIME type of a feature map (schema: ./schema.d.ts). */
export const FEATURE_MAP_MIME = 'application/vnd.convlab.featuremap.v1+json';

/** Draws feature maps; `safe` because nothing from the payload is ever parsed as HTML. */
export const featureMapFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [FEATURE_MAP_MIME],
  // Below HTML's 50, so the extension wins over the bundle's static fallbacks.
  defaultRank: 10,
  createRenderer: (options) => new FeatureMapWidget(options),
};

const extension: IRenderMime.IExtension = {
  id: 'convlab-extension:featuremap',
  rendererFactory: featureMapFactory,
  rank: 10,
  dataType: 'json',
};

export default extension;
