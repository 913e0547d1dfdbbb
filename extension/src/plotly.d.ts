// The cartesian dist bundle has heatmaps and is ~1.5 MB; it has no types of its own, so it is typed as the
// parts of plotly.js the widget calls.
declare module 'plotly.js-cartesian-dist-min' {
  export function react(root: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<unknown>;
  export function relayout(root: HTMLElement, update: Record<string, unknown>): Promise<unknown>;
  export function purge(root: HTMLElement): void;
}

/** A point of a plotly hover event: the heatmap cell under the mouse. */
interface PlotlyHoverPoint {
  x: number;
  y: number;
  z: number | null;
  curveNumber: number;
}

/** What plotly adds to a div it has drawn into: event listeners. */
interface PlotlyElement extends HTMLElement {
  on(event: 'plotly_hover', handler: (event: { points: PlotlyHoverPoint[] }) => void): void;
  on(event: 'plotly_unhover', handler: () => void): void;
}
