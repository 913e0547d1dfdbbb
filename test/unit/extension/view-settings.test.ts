/**
 * The view settings store (extension/src/view-settings.ts): what the registry's JSON becomes, the scales'
 * stops, and who hears of a change. The live redraw of open views is checked in jsdom in plugin-view.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseColour } from '../../../extension/src/heatmap';
import { changedKeys, COLOUR_SCALES, DEFAULT_SETTINGS, readSettings, scaleStops, SettingsStore } from '../../../extension/src/view-settings';

const schema = JSON.parse(readFileSync(new URL('../../../extension/schema/plugin.json', import.meta.url), 'utf8')) as {
  properties: Record<string, { enum: string[]; default: string }>;
};

describe('readSettings', () => {
  it('takes known values and falls back per key on anything else', () => {
    expect(readSettings({ normalisation: 'global', colourScale: 'bogus', mapSize: 3 })).toEqual({
      normalisation: 'global',
      colourScale: 'kernel',
      mapSize: 'm',
    });
    expect(readSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(readSettings('global')).toEqual(DEFAULT_SETTINGS);
  });

  it('accepts exactly the choices and defaults the schema offers', () => {
    const keys = ['normalisation', 'colourScale', 'mapSize'] as const;
    expect(Object.keys(schema.properties).sort()).toEqual([...keys].sort());
    for (const key of keys) {
      const { enum: choices, default: fallback } = schema.properties[key]!;
      expect(DEFAULT_SETTINGS[key]).toBe(fallback);
      for (const choice of choices) expect(readSettings({ [key]: choice })[key]).toBe(choice);
      // A value the schema lacks is not taken.
      expect(readSettings({ [key]: `${choices[0]}x` })[key]).toBe(fallback);
    }
  });
});

describe('scaleStops', () => {
  const own = [[0, '#123456'], [1, '#abcdef']] as const;
  it("is the panel's own scale under 'kernel', the named one otherwise", () => {
    expect(scaleStops('kernel', own)).toBe(own);
    expect(scaleStops('gray', own)).toEqual([[0, '#000000'], [1, '#ffffff']]);
  });

  it('names scales whose stops are #rrggbb from 0 to 1 in order (the payload rule the legend relies on)', () => {
    for (const [name, stops] of Object.entries(COLOUR_SCALES)) {
      expect(stops[0]![0], name).toBe(0);
      expect(stops.at(-1)![0], name).toBe(1);
      for (let i = 1; i < stops.length; i++) expect(stops[i]![0]).toBeGreaterThan(stops[i - 1]![0]);
      for (const [, colour] of stops) {
        expect(colour).toMatch(/^#[0-9a-f]{6}$/);
        expect(parseColour(colour)).toBeDefined();
      }
    }
  });
});

describe('SettingsStore', () => {
  it('tells its listeners of a change (now and before), once, and not of a set that changes nothing', () => {
    const store = new SettingsStore();
    const heard = vi.fn();
    const stop = store.subscribe(heard);
    store.set({ colourScale: 'viridis' });
    store.set({ colourScale: 'viridis' });
    expect(heard).toHaveBeenCalledTimes(1);
    expect(heard).toHaveBeenLastCalledWith({ ...DEFAULT_SETTINGS, colourScale: 'viridis' }, DEFAULT_SETTINGS);
    stop();
    store.set({ mapSize: 'l' });
    expect(heard).toHaveBeenCalledTimes(1);
    expect(store.get().mapSize).toBe('l');
  });

  it('names the keys a change touched (what an open view applies)', () => {
    expect(changedKeys(DEFAULT_SETTINGS, DEFAULT_SETTINGS)).toEqual([]);
    expect(changedKeys(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, mapSize: 'l', colourScale: 'gray' }).sort()).toEqual(['colourScale', 'mapSize']);
  });

  it('keeps telling the other listeners when one throws', () => {
    const store = new SettingsStore();
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const after = vi.fn();
    store.subscribe(() => {
      throw new Error('boom');
    });
    store.subscribe(after);
    store.set({ normalisation: 'channel' });
    expect(after).toHaveBeenCalledOnce();
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
  });
});
