/**
 * HTML escaping for the `text/html` fallbacks the kernel writes (shape traces, tables): every payload string is
 * the user's text, never markup.
 */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
