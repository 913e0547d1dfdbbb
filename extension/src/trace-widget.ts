/**
 * The shape-trace widget: validates the payload, then draws the per-layer table (each row expands to its
 * output-size formula), the totals, the error row of a failing layer, and an SVG diagram of spatial size per
 * layer. Plain DOM, no plotly: it renders instantly and is tested in jsdom.
 *
 * A long trace (a recorded loop can give thousands of layers) is drawn a page at a time: the first
 * {@link TRACE_PAGE_ROWS} rows, a note saying how many there are and a button for the next page, and a size
 * diagram of the first {@link TRACE_DIAGRAM_LAYERS} layers, so a 20,000-layer trace costs a few hundred DOM
 * rows and the page stays responsive.
 */
import {
  formatCount,
  TRACE_COLUMNS,
  traceCaption,
  traceRows,
  traceTotals,
  validateShapeTrace,
  type ShapeTracePayload,
} from '@convlab/protocol';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { element, errorMessage } from './dom';
import { traceDiagram } from './trace-diagram';

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Renders `application/vnd.convlab.shapetrace.v1+json`. */
export class ShapeTraceWidget extends Widget implements IRenderMime.IRenderer {
  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('convlab-shapetrace');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const checked = validateShapeTrace(model.data[this.options.mimeType]);
    this.node.textContent = '';
    if (!checked.ok) this.node.appendChild(errorMessage('shape trace', checked.error));
    else this.node.append(element('div', 'convlab-trace-caption', traceCaption(checked.value)), ...table(checked.value), ...diagram(checked.value));
    return Promise.resolve();
  }
}

/** Table rows drawn at first, and added by each click on “show more”. */
export const TRACE_PAGE_ROWS = 200;
/** Layers drawn in the size diagram at most (after the input's box). */
export const TRACE_DIAGRAM_LAYERS = 200;

/** `{ ...payload, rows: rows [from, to) }`: the table and diagram builders take a payload, so a page is one. */
const rowsOf = (payload: ShapeTracePayload, from: number, to: number): ShapeTracePayload => ({ ...payload, rows: payload.rows.slice(from, to) });

/**
 * The table: a header, one row per layer (its ▸ shows the formula row below it), the error row, the totals (of
 * every layer). Rows are drawn {@link TRACE_PAGE_ROWS} at a time; while some are not drawn, a note below the
 * table says how many are shown, with a button that draws the next page.
 */
function table(payload: ShapeTracePayload): HTMLElement[] {
  const wrap = element('div', 'convlab-trace-scroll');
  const tableNode = element('table', 'convlab-trace-table');
  const head = element('tr', '');
  for (const column of TRACE_COLUMNS) {
    const th = element('th', '', column.header);
    th.title = column.title;
    head.appendChild(th);
  }
  const thead = element('thead', '');
  thead.appendChild(head);
  const body = element('tbody', '');
  const span = TRACE_COLUMNS.length;
  const append = (from: number, to: number): void => {
    for (const row of traceRows(rowsOf(payload, from, to))) {
      const tr = element('tr', row.error === undefined ? 'convlab-trace-row' : 'convlab-trace-row convlab-trace-error');
      tr.title = row.formula;
      const detail = element('tr', 'convlab-trace-formula');
      detail.hidden = true;
      const formula = element('td', '', row.formula);
      formula.colSpan = span;
      detail.appendChild(formula);
      const toggle = element('button', 'convlab-trace-toggle', '▸');
      toggle.title = 'show the output-size formula';
      toggle.setAttribute('aria-expanded', 'false');
      toggle.addEventListener('click', () => {
        detail.hidden = !detail.hidden;
        toggle.textContent = detail.hidden ? '▸' : '▾';
        toggle.setAttribute('aria-expanded', String(!detail.hidden));
      });
      for (const text of row.cells) tr.appendChild(element('td', '', text));
      // The ▸ sits in the index cell, before the number.
      tr.firstElementChild?.prepend(toggle);
      if (row.error !== undefined) {
        const error = element('td', 'convlab-trace-error-text', row.error);
        error.colSpan = span - row.cells.length;
        tr.appendChild(error);
      }
      body.append(tr, detail);
    }
  };
  const foot = element('tfoot', '');
  const totals = element('tr', 'convlab-trace-totals');
  for (const text of traceTotals(payload)) totals.appendChild(element('td', '', text));
  foot.appendChild(totals);
  tableNode.append(thead, body, foot);
  wrap.appendChild(tableNode);
  const total = payload.rows.length;
  let shown = Math.min(total, TRACE_PAGE_ROWS);
  append(0, shown);
  if (shown === total) return [wrap];
  const more = element('div', 'convlab-trace-more');
  const note = element('span', 'convlab-trace-more-note');
  const button = element('button', 'convlab-trace-show-more');
  const failing = payload.rows.findIndex((r) => r.error !== undefined);
  const update = (): void => {
    const hidden = failing >= shown ? ` (the failing layer, #${formatCount(payload.rows[failing]!.index)}, is further down)` : '';
    note.textContent = `showing ${formatCount(shown)} of ${formatCount(total)} layers${hidden} `;
    button.textContent = `show ${formatCount(Math.min(TRACE_PAGE_ROWS, total - shown))} more`;
  };
  button.addEventListener('click', () => {
    const next = Math.min(total, shown + TRACE_PAGE_ROWS);
    append(shown, next);
    shown = next;
    if (shown === total) more.remove();
    else update();
  });
  update();
  more.append(note, button);
  return [wrap, more];
}

/**
 * The size diagram: one box per layer, sides proportional to the spatial size; of a long trace, the input and
 * the first {@link TRACE_DIAGRAM_LAYERS} layers, with a note saying so.
 */
function diagram(payload: ShapeTracePayload): Element[] {
  const total = payload.rows.length;
  const { boxes, width, height } = traceDiagram(rowsOf(payload, 0, TRACE_DIAGRAM_LAYERS));
  const root = svg('svg', { class: 'convlab-trace-diagram', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  root.appendChild(svg('title', {}, 'spatial size per layer'));
  const tallest = Math.max(...boxes.map((b) => b.height));
  const middle = 14 + tallest / 2;
  const below = middle + tallest / 2;
  for (const box of boxes) {
    const centre = box.x + box.column / 2;
    const group = svg('g', { class: box.error ? 'convlab-diagram-box convlab-diagram-error' : 'convlab-diagram-box' });
    group.appendChild(svg('text', { x: centre, y: 10, 'text-anchor': 'middle', class: 'convlab-diagram-op' }, box.op));
    group.appendChild(svg('rect', { x: centre - box.width / 2, y: middle - box.height / 2, width: box.width, height: box.height }));
    group.appendChild(svg('text', { x: centre, y: below + 14, 'text-anchor': 'middle' }, box.size));
    group.appendChild(svg('text', { x: centre, y: below + 27, 'text-anchor': 'middle', class: 'convlab-diagram-channels' }, box.channels));
    root.appendChild(group);
  }
  if (total <= TRACE_DIAGRAM_LAYERS) return [root];
  const note = `diagram: the input and the first ${formatCount(TRACE_DIAGRAM_LAYERS)} of ${formatCount(total)} layers`;
  return [root, element('div', 'convlab-trace-diagram-note', note)];
}
