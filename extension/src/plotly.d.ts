// The cartesian dist bundle has heatmaps and is ~1.5 MB; it has no types of its own, so it is typed as the
// parts of plotly.js the widget calls.
declare module 'plotly.js-cartesian-dist-min' {
  export function react(root: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<unknown>;
  export function purge(root: HTMLElement): void;
}
