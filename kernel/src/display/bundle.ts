/**
 * The pure formatter: value → MIME bundle. Sending is elsewhere (`display.ts`), so bundles are testable
 * without a kernel.
 *
 * A feature-map bundle carries the vendor JSON (drawn by the extension), `image/png` (drawn here, for
 * nbconvert, GitHub and untrusted views) and `text/plain`.
 */
import type { FeatureMap, FeatureMapPayload, FeatureMapWindow } from '../../../extension/src/schema';
import type { Tensor } from '../tensor';
import { scaleFor, toHexStops } from './colors';
import { renderPng } from './png';
import { tensorPanels, valueRange, type MapValues, type PanelValues } from './panels';

export const FEATURE_MAP_MIME = 'application/vnd.convlab.featuremap.v1+json';

/** A Jupyter MIME bundle: what `display_data` and `execute_result` carry. */
export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

function encodeMap(map: MapValues): FeatureMap {
  const [min, max] = valueRange(map.values);
  // Copy: `values` may be a view into a larger tensor, and Buffer.from(view.buffer) would take all of it.
  const bytes = Buffer.from(Float32Array.from(map.values).buffer);
  return {
    label: map.label,
    height: map.height,
    width: map.width,
    encoding: 'f32-base64',
    data: bytes.toString('base64'),
    min,
    max,
  };
}

/** The vendor JSON payload for panels of maps. */
export function featureMapPayload(
  panels: readonly PanelValues[],
  op: string,
  backendName: string,
  notes: readonly string[],
  window?: FeatureMapWindow,
): FeatureMapPayload {
  return {
    version: 1,
    op,
    backend: backendName,
    notes: [...notes],
    ...(window ? { window } : {}),
    panels: panels.map((panel) => {
      const maps = panel.maps.map(encodeMap);
      const min = Math.min(...maps.map((m) => m.min));
      const max = Math.max(...maps.map((m) => m.max));
      const scale = scaleFor(min, max);
      return {
        role: panel.role,
        title: panel.title,
        shape: [...panel.shape],
        min,
        max,
        colorscale: toHexStops(scale.stops),
        centered: scale.centered,
        maps,
      };
    }),
  };
}

/**
 * The bundle of a tensor: its feature map (input | kernel | output when an op made it), PNG and text.
 *
 * @example
 * Object.keys(tensorBundle(conv2d(x, w)).data);
 * // ['application/vnd.convlab.featuremap.v1+json', 'image/png', 'text/plain']
 */
export function tensorBundle(t: Tensor): MimeBundle {
  const { panels, notes } = tensorPanels(t);
  const op = t.provenance?.op ?? 'tensor';
  const backendName = t.provenance?.backend ?? 'cpu';
  const summary = t.provenance
    ? `${op} on ${backendName}: ${panels.map((p) => p.title).join(' → ')}\n`
    : '';
  return {
    data: {
      [FEATURE_MAP_MIME]: featureMapPayload(panels, op, backendName, notes, t.provenance?.window),
      'image/png': renderPng(panels).toString('base64'),
      'text/plain': summary + t.toString(),
    },
    metadata: {},
  };
}
