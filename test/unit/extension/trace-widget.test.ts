// @vitest-environment jsdom
/**
 * The shape-trace widget on long traces (issue 16: a 20,000-row trace left clicks at 3 s): it draws a page of
 * rows with a note and a “show more” button, and a capped size diagram, so the DOM stays a few hundred rows.
 * The widget is plain DOM and runs in jsdom as it is (widgets.test.ts covers a short trace's table).
 */
import { SHAPE_TRACE_MIME, type ShapeTraceRow } from '@convlab/protocol';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { describe, expect, it } from 'vitest';
import { ERROR, tracePayload, traceRow } from '../protocol/fixtures';

// jsdom has no DragEvent, which @lumino/dragdrop (pulled in by @lumino/widgets) subclasses when it loads.
(globalThis as { DragEvent?: unknown }).DragEvent ??= class DragEvent extends MouseEvent {};
const { ShapeTraceWidget, TRACE_PAGE_ROWS, TRACE_DIAGRAM_LAYERS } = await import('../../../extension/src/trace-widget');

/** A trace of `count` conv rows (row i has index i and `i` params), the last one failing when `failing`. */
function longTrace(count: number, failing = false): ReturnType<typeof tracePayload> {
  const rows: ShapeTraceRow[] = Array.from({ length: count }, (_, index) => traceRow({ index, params: index }));
  if (failing) rows[count - 1] = traceRow({ index: count - 1, outShape: [], params: 0, macs: 0, outBytes: 0, error: ERROR });
  return tracePayload(rows);
}

async function rendered(payload: unknown): Promise<HTMLElement> {
  const widget = new ShapeTraceWidget({ mimeType: SHAPE_TRACE_MIME } as IRenderMime.IRendererOptions);
  await widget.renderModel({ data: { [SHAPE_TRACE_MIME]: payload }, metadata: {}, trusted: false, setData: () => undefined } as unknown as IRenderMime.IMimeModel);
  return widget.node;
}

const rowsOf = (node: HTMLElement) => node.querySelectorAll<HTMLTableRowElement>('tbody tr.convlab-trace-row');
const indexOf = (row: HTMLTableRowElement | undefined): string | undefined => row?.firstElementChild?.textContent?.replace('▸', '');
const more = (node: HTMLElement) => node.querySelector<HTMLButtonElement>('.convlab-trace-show-more');

describe('a 20,000-layer trace is drawn a page at a time', () => {
  it('draws the first 200 rows, says how many there are, and each “show more” adds the next 200 in order', async () => {
    expect(TRACE_PAGE_ROWS).toBe(200);
    const node = await rendered(longTrace(20_000));
    expect(rowsOf(node)).toHaveLength(200);
    expect(node.querySelectorAll('tbody tr.convlab-trace-formula')).toHaveLength(200);
    expect(node.querySelector('.convlab-trace-more-note')?.textContent).toBe('showing 200 of 20,000 layers ');
    expect(more(node)?.textContent).toBe('show 200 more');
    // The caption and totals still speak for every layer: 0 + 1 + … + 19,999 params.
    expect(node.querySelector('.convlab-trace-caption')?.textContent).toMatch(/ · 20000 layers · /);
    expect(node.querySelector('.convlab-trace-totals')?.textContent).toContain('199,990,000');

    more(node)!.click();
    const rows = rowsOf(node);
    expect(rows).toHaveLength(400);
    expect([indexOf(rows[199]), indexOf(rows[200]), indexOf(rows[399])]).toEqual(['199', '200', '399']);
    expect(node.querySelector('.convlab-trace-more-note')?.textContent).toBe('showing 400 of 20,000 layers ');
    // A row added by the button expands like the first ones.
    const toggle = rows[300]!.querySelector<HTMLButtonElement>('.convlab-trace-toggle')!;
    toggle.click();
    expect((rows[300]!.nextElementSibling as HTMLTableRowElement).hidden).toBe(false);
  });

  it('caps the size diagram at the input and the first 200 layers, with a note', async () => {
    const node = await rendered(longTrace(20_000));
    expect(node.querySelectorAll('svg.convlab-trace-diagram rect')).toHaveLength(TRACE_DIAGRAM_LAYERS + 1);
    expect(node.querySelector('.convlab-trace-diagram-note')?.textContent).toBe('diagram: the input and the first 200 of 20,000 layers');
  });

  it('the last page adds only what is left, then the note and button go', async () => {
    const node = await rendered(longTrace(450));
    more(node)!.click();
    expect(more(node)?.textContent).toBe('show 50 more');
    more(node)!.click();
    expect(rowsOf(node)).toHaveLength(450);
    expect(indexOf(rowsOf(node)[449])).toBe('449');
    expect(node.querySelector('.convlab-trace-more')).toBeNull();
  });

  it('says where the failing layer is while it is not drawn, and draws it on its page', async () => {
    const node = await rendered(longTrace(300, true));
    expect(node.querySelector('.convlab-trace-error')).toBeNull();
    expect(node.querySelector('.convlab-trace-more-note')?.textContent).toBe('showing 200 of 300 layers (the failing layer, #299, is further down) ');
    more(node)!.click();
    expect(node.querySelector('.convlab-trace-error .convlab-trace-error-text')?.textContent).toBe(ERROR);
  });

  it('draws a trace of 200 rows or fewer whole, with no note, button or diagram note', async () => {
    const node = await rendered(longTrace(200));
    expect(rowsOf(node)).toHaveLength(200);
    expect(node.querySelectorAll('svg.convlab-trace-diagram rect')).toHaveLength(201);
    expect(node.querySelector('.convlab-trace-more, .convlab-trace-diagram-note')).toBeNull();
  });

  it('refuses a trace of more than 100,000 rows with a readable message', async () => {
    const node = await rendered(longTrace(100_001));
    expect(node.textContent).toBe('ConvLab cannot draw this shape trace: payload.rows should have at most 100000 entries, got 100001');
    expect(rowsOf(node)).toHaveLength(0);
  });
});
