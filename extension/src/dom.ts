/**
 * The two DOM helpers both widgets use. Text goes in through `textContent` only: nothing from a payload is
 * ever parsed as HTML, which is what makes the renderers `safe`.
 */

/** A new element with a class and, optionally, text. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The readable message shown instead of a drawing when a payload fails validation. */
export function errorMessage(what: string, error: string): HTMLDivElement {
  return element('div', 'convlab-error', `ConvLab cannot draw this ${what}: ${error}`);
}

/** A theme colour from JupyterLab's CSS variables (they follow light/dark), with a fallback outside JupyterLab. */
export function themeColor(variable: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(variable).trim() || fallback;
}
