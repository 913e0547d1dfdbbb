// @vitest-environment jsdom
/**
 * The side panel (extension/src/plugin/panel.ts) against a stand-in connection: the notebook label follows a
 * rename, and a drawn tensor's view (here the error view: the stand-in kernel refuses, so no render-mime registry
 * is needed) goes with its selection after a restart or once its name leaves the state. (The real kernel and
 * JupyterLab meet in test/e2e/plugin.test.ts.)
 */
import { Signal } from '@lumino/signaling';
import { describe, expect, it, vi } from 'vitest';

// The full registry (and the web components it loads) is not needed: the stand-in kernel never sends a bundle.
vi.mock('@jupyterlab/rendermime', () => ({ MimeModel: class {} }));

(globalThis as { DragEvent?: unknown }).DragEvent ??= class DragEvent extends MouseEvent {};
// Loaded after the stand-in above: @lumino/widgets pulls in @lumino/dragdrop, which subclasses DragEvent.
const { InspectorPanel } = await import('../../../extension/src/plugin/panel');

const row = (name: string) => ({ name, shape: [1, 1, 2, 2], bytes: 16, backend: 'cpu', op: null });

function fakeConnection() {
  const connection = {
    status: 'open',
    state: { backend: 'cpu', renderer: null, tensors: [row('x'), row('y')], memory: { bytes: 32, count: 2 } } as { tensors: unknown[] } & Record<string, unknown>,
    error: undefined,
    changed: new Signal<object, void>({}),
    requestFeatureMap: (name: string) => Promise.resolve({ id: 1, name, error: `${name} is not drawable here` }),
  };
  return connection;
}

async function shown() {
  const connection = fakeConnection();
  const panel = new InspectorPanel({} as never);
  panel.follow(connection as never, 'a.ipynb');
  panel.node.querySelector<HTMLElement>('tr.convlab-tensor-row[data-name="x"]')!.click();
  await new Promise((r) => setTimeout(r, 0));
  const view = panel.node.querySelector<HTMLElement>('.convlab-panel-view')!;
  expect([view.dataset['name'], view.dataset['state'], view.textContent]).toEqual(['x', 'error', 'cannot show x: x is not drawable here']);
  return { connection, panel, view };
}

const selected = (panel: { node: HTMLElement }): string[] =>
  [...panel.node.querySelectorAll<HTMLElement>('tr.convlab-tensor-selected')].map((tr) => tr.dataset['name']!);

describe('InspectorPanel', () => {
  it("labels the notebook by its path, and follows a rename of the same notebook's", () => {
    const panel = new InspectorPanel({} as never);
    const connection = fakeConnection();
    panel.follow(connection as never, 'a.ipynb');
    panel.follow(connection as never, 'dir/b.ipynb');
    expect(panel.node.querySelector('.convlab-panel-notebook')!.textContent).toBe('dir/b.ipynb');
  });

  it('keeps the drawn tensor while its name is live', async () => {
    const { connection, panel, view } = await shown();
    connection.changed.emit();
    expect([view.dataset['name'], selected(panel)]).toEqual(['x', ['x']]);
  });

  it('clears the view and the selection on a restart', async () => {
    const { connection, panel, view } = await shown();
    connection.status = 'connecting';
    connection.changed.emit();
    expect([view.dataset['name'], view.textContent]).toEqual([undefined, '']);
    // Back with the same names: nothing comes back selected until the reader clicks again.
    connection.status = 'open';
    connection.changed.emit();
    expect(selected(panel)).toEqual([]);
    expect(view.dataset['name']).toBeUndefined();
  });

  it('clears the view when its name leaves the state', async () => {
    const { connection, panel, view } = await shown();
    connection.state = { ...connection.state, tensors: [row('y')] };
    connection.changed.emit();
    expect([view.dataset['name'], view.textContent, selected(panel)]).toEqual([undefined, '', []]);
  });
});
