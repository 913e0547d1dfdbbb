/**
 * The feature-map view's user settings (JupyterLab's Settings Editor, schema in extension/schema/plugin.json):
 * the default colour normalisation, the colour scale, and the default map size. A tiny store with no JupyterLab
 * import: the settings plugin (./plugin/index.ts) writes it, every open FeatureMapWidget (./widget.ts) reads it when
 * it renders and subscribes to it, so a change applies live to the outputs already shown: only the keys that
 * changed, so a view keeps the toolbar choices its reader made for the others.
 *
 * The colour scales are stops in the extension itself (the kernel's own scale stays the default), written as
 * `#rrggbb` like the payload's, so they go through the same colour code and the same CSS gradient.
 */
import { MAP_SIZES, NORMALISATIONS, type MapSizeName, type Normalisation } from './figure';

/** A colour scale's stops: `[position 0..1, '#rrggbb']`, as the payload's `colorscale`. */
export type Stops = readonly (readonly [number, string])[];

/** The colour scales a user may choose, besides `'kernel'` (each panel's scale as the kernel sent it). */
export const COLOUR_SCALES = {
  /** Black to white: what an image looks like without colour. */
  gray: [
    [0, '#000000'],
    [1, '#ffffff'],
  ],
  /** matplotlib's viridis (perceptually uniform, readable in grey and by most colour-blind readers), 9 stops. */
  viridis: [
    [0, '#440154'],
    [0.125, '#472d7b'],
    [0.25, '#3b528b'],
    [0.375, '#2c728e'],
    [0.5, '#21918c'],
    [0.625, '#28ae80'],
    [0.75, '#5ec962'],
    [0.875, '#addc30'],
    [1, '#fde725'],
  ],
  /** matplotlib's magma, 9 stops. */
  magma: [
    [0, '#000004'],
    [0.125, '#1c1044'],
    [0.25, '#4f127b'],
    [0.375, '#812581'],
    [0.5, '#b5367a'],
    [0.625, '#e55964'],
    [0.75, '#fb8761'],
    [0.875, '#fec287'],
    [1, '#fcfdbf'],
  ],
  /** ColorBrewer's RdBu, blue (low) to red (high) through near-white: 0 is white on a centred panel. */
  rdbu: [
    [0, '#2166ac'],
    [0.1667, '#67a9cf'],
    [0.3333, '#d1e5f0'],
    [0.5, '#f7f7f7'],
    [0.6667, '#fddbc7'],
    [0.8333, '#ef8a62'],
    [1, '#b2182b'],
  ],
} as const satisfies Record<string, Stops>;

/** A colour-scale setting: the kernel's scale, or one of {@link COLOUR_SCALES}. */
export type ColourScaleName = 'kernel' | keyof typeof COLOUR_SCALES;

/** The view settings the feature-map widgets follow. */
export interface ViewSettings {
  /** The colour range a new or open view starts from (its toolbar can still change it per view). */
  normalisation: Normalisation;
  /** `'kernel'`: each panel's own scale as sent; else every panel is drawn with this scale. */
  colourScale: ColourScaleName;
  /** The map size a view starts from (`s`: 64 maps a page, `m`: 32, `l`: 8). */
  mapSize: MapSizeName;
}

/** What a view uses before (or without) the settings plugin: the view's historical defaults. */
export const DEFAULT_SETTINGS: Readonly<ViewSettings> = { normalisation: 'layer', colourScale: 'kernel', mapSize: 'm' };

const oneOf = <T extends string>(value: unknown, allowed: readonly T[], fallback: T): T =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;

/**
 * The settings from the registry's composite (hand-edited JSON is not trusted): each known key with a known
 * value is taken, anything else falls back to {@link DEFAULT_SETTINGS}.
 *
 * @example readSettings({ normalisation: 'global', colourScale: 'bogus' })
 * // { normalisation: 'global', colourScale: 'kernel', mapSize: 'm' }
 */
export function readSettings(composite: unknown): ViewSettings {
  const raw = (typeof composite === 'object' && composite !== null ? composite : {}) as Record<string, unknown>;
  return {
    normalisation: oneOf(raw['normalisation'], NORMALISATIONS.map((n) => n.value), DEFAULT_SETTINGS.normalisation),
    colourScale: oneOf(raw['colourScale'], ['kernel', ...(Object.keys(COLOUR_SCALES) as (keyof typeof COLOUR_SCALES)[])], DEFAULT_SETTINGS.colourScale),
    mapSize: oneOf(raw['mapSize'], MAP_SIZES.map((s) => s.value), DEFAULT_SETTINGS.mapSize),
  };
}

/**
 * The stops a panel is drawn with under a colour-scale setting: the panel's own (`'kernel'`) or the named scale.
 * The named scales are constant arrays, so the heatmap's per-stops cache (keyed by the array) keeps working.
 *
 * @example scaleStops('gray', panel.colorscale) // [[0, '#000000'], [1, '#ffffff']]
 * @example scaleStops('kernel', panel.colorscale) === panel.colorscale // true
 */
export function scaleStops(name: ColourScaleName, own: Stops): Stops {
  return name === 'kernel' ? own : COLOUR_SCALES[name];
}

/**
 * A listener of {@link SettingsStore.subscribe}: the settings now and before the change, so it can apply only the
 * keys that changed (see {@link changedKeys}).
 */
export type SettingsListener = (settings: Readonly<ViewSettings>, previous: Readonly<ViewSettings>) => void;

/**
 * The keys whose values differ between two settings.
 *
 * @example changedKeys(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, mapSize: 'l' }) // ['mapSize']
 */
export function changedKeys(before: Readonly<ViewSettings>, after: Readonly<ViewSettings>): (keyof ViewSettings)[] {
  return (Object.keys(after) as (keyof ViewSettings)[]).filter((k) => after[k] !== before[k]);
}

/**
 * The current view settings and who follows them. One instance, {@link viewSettings}, is shared by the plugin
 * and the MIME renderer (both entries of this extension run in one webpack container, so they share modules).
 *
 * @example
 * const store = new SettingsStore();
 * const stop = store.subscribe((now, before) => console.log(before.colourScale, '→', now.colourScale));
 * store.set({ colourScale: 'viridis' }); // logs 'kernel → viridis'
 * stop();
 */
export class SettingsStore {
  private current: Readonly<ViewSettings> = DEFAULT_SETTINGS;
  private readonly listeners = new Set<SettingsListener>();

  /** The settings now. */
  get(): Readonly<ViewSettings> {
    return this.current;
  }

  /** Changes some settings; the listeners hear of it only when something changed. */
  set(partial: Partial<ViewSettings>): void {
    const previous = this.current;
    const next = { ...previous, ...partial };
    if (!changedKeys(previous, next).length) return;
    this.current = Object.freeze(next);
    for (const listener of [...this.listeners]) {
      try {
        listener(this.current, previous);
      } catch (error) {
        // One view failing to redraw must not keep the others from following the settings.
        console.error('ConvLab: a view failed to apply the settings', error);
      }
    }
  }

  /** Calls `listener` (with the settings now and before) on every change until the returned function is called. */
  subscribe(listener: SettingsListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

/** The settings every feature-map view follows. */
export const viewSettings = new SettingsStore();
