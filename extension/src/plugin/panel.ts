/**
 * The ConvLab side panel: the live tensors of the active notebook's ConvLab kernel as a table, refreshed on each
 * `state` event; clicking a row asks the kernel for that tensor's feature map and draws the bundle below with the
 * application's render-mime registry (so ConvLab's own feature-map renderer draws it). The drawn map goes when it
 * no longer stands for a live tensor: the kernel restarted or changed (status not `open`), or the name left the
 * state. Every text goes through `textContent`.
 *
 * DOM contract (extension/README.md; the browser tests read it): `#convlab-panel.convlab-sidebar` ›
 * `.convlab-panel-notebook` (the notebook's path, renames included), `.convlab-panel-message` (why nothing is listed, or a
 * problem), `table.convlab-panel-table` › `tbody` › `tr.convlab-tensor-row[data-name]` (`.convlab-tensor-selected`
 * on the clicked one) with cells `td.convlab-cell-<name|shape|bytes|backend|op>`, then `.convlab-panel-view`
 * (`data-name` of the tensor shown, `data-state` `loading` | `shown` | `error`).
 */
import { MimeModel, type IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Panel, PanelLayout, Widget } from '@lumino/widgets';
import { element } from '../dom';
import type { InspectorConnection } from './connection';
import { COLUMNS, rowCells } from './messages';

/** The panel's id (and the shell's handle to it). */
export const PANEL_ID = 'convlab-panel';

/**
 * The side panel. It shows one connection at a time: the active notebook's ({@link InspectorPanel.follow}).
 *
 * @example
 * const panel = new InspectorPanel(rendermime);
 * app.shell.add(panel, 'right', { rank: 600 });
 * tracker.currentChanged.connect(() => panel.follow(connectionOf(tracker.currentWidget), tracker.currentWidget?.context.path ?? ''));
 */
export class InspectorPanel extends Widget {
  private connection: InspectorConnection | undefined;
  private readonly notebook = element('div', 'convlab-panel-notebook');
  private readonly message = element('div', 'convlab-panel-message');
  private readonly body = element('tbody', '');
  private readonly table = element('table', 'convlab-panel-table');
  private readonly view = new Panel();
  private selected: string | undefined;
  /** Bumped by each featuremap request: an answer for an older one is dropped. */
  private asked = 0;

  constructor(private readonly rendermime: IRenderMimeRegistry) {
    super();
    this.id = PANEL_ID;
    this.addClass('convlab-sidebar');
    this.title.caption = 'ConvLab: live tensors';
    const header = new Widget({ node: element('div', 'convlab-panel-header') });
    header.node.append(element('div', 'convlab-panel-title', 'ConvLab tensors'), this.notebook);
    const head = element('tr', '');
    for (const column of COLUMNS) head.appendChild(element('th', `convlab-cell-${column}`, column));
    this.table.append(element('thead', ''), this.body);
    this.table.tHead!.appendChild(head);
    const list = new Widget({ node: element('div', 'convlab-panel-list') });
    list.node.append(this.message, this.table);
    this.view.addClass('convlab-panel-view');
    const layout = new PanelLayout();
    layout.addWidget(header);
    layout.addWidget(list);
    layout.addWidget(this.view);
    this.layout = layout;
    this.body.addEventListener('click', (event) => {
      const row = (event.target as Element | null)?.closest?.('tr.convlab-tensor-row');
      const name = row instanceof HTMLElement ? row.dataset['name'] : undefined;
      if (name !== undefined) void this.select(name);
    });
    this.refresh();
  }

  /**
   * Follows another notebook's connection (or none: no notebook is active), labelled with the notebook's path; the
   * same connection again only updates the label (the plugin calls this when the notebook is renamed).
   */
  follow(connection: InspectorConnection | undefined, notebookPath: string): void {
    this.notebook.textContent = notebookPath;
    if (connection === this.connection) return;
    this.connection?.changed.disconnect(this.refresh, this);
    this.connection = connection;
    connection?.changed.connect(this.refresh, this);
    this.unselect();
    this.refresh();
  }

  /** The connection shown, for the exact-value hover of a map drawn in this panel. */
  get current(): InspectorConnection | undefined {
    return this.connection;
  }

  override dispose(): void {
    this.connection?.changed.disconnect(this.refresh, this);
    super.dispose();
  }

  /** Redraws the table from the connection's state; drops the drawn map once it stands for no live tensor. */
  private refresh(): void {
    const c = this.connection;
    const state = c?.status === 'open' ? c.state : undefined;
    // After a restart or a kernel change the old map (and any answer still on the way) is of a kernel now gone.
    if (this.selected !== undefined && !state?.tensors.some((t) => t.name === this.selected)) this.unselect();
    const why = !c
      ? 'No notebook is active.'
      : c.status === 'no-kernel'
        ? 'This notebook has no kernel.'
        : c.status === 'other-kernel'
          ? 'This notebook does not run the ConvLab kernel.'
          : c.status === 'connecting'
            ? 'Connecting to the ConvLab kernel…'
            : state && !state.tensors.length
              ? 'No tensors yet: assign one to a top-level variable.'
              : '';
    this.message.textContent = [why, c?.error ?? ''].filter(Boolean).join(' ');
    this.message.hidden = !this.message.textContent;
    this.node.dataset['status'] = c?.status ?? 'none';
    this.table.hidden = !state?.tensors.length;
    const rows = (state?.tensors ?? []).map((tensor) => {
      const tr = element('tr', 'convlab-tensor-row');
      tr.dataset['name'] = tensor.name;
      tr.title = `show ${tensor.name}'s feature maps`;
      tr.classList.toggle('convlab-tensor-selected', tensor.name === this.selected);
      rowCells(tensor).forEach((text, i) => tr.appendChild(element('td', `convlab-cell-${COLUMNS[i]}`, text)));
      return tr;
    });
    this.body.replaceChildren(...rows);
  }

  /** Asks for `name`'s feature map and draws it in the view (a later click wins over an earlier answer). */
  private async select(name: string): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    this.selected = name;
    for (const tr of this.body.querySelectorAll<HTMLElement>('tr.convlab-tensor-row')) {
      tr.classList.toggle('convlab-tensor-selected', tr.dataset['name'] === name);
    }
    const ask = ++this.asked;
    this.clearView();
    this.view.node.dataset['name'] = name;
    this.view.node.dataset['state'] = 'loading';
    const note = new Widget({ node: element('div', 'convlab-panel-note', `asking the kernel for ${name}…`) });
    this.view.addWidget(note);
    let error: string | undefined;
    try {
      const answer = await connection.requestFeatureMap(name);
      if (ask !== this.asked) return;
      if (answer.bundle) {
        const data = answer.bundle.data as MimeModel.IOptions['data'];
        const mimeType = this.rendermime.preferredMimeType(data ?? {}, 'ensure');
        if (mimeType) {
          // Untrusted: a fallback (e.g. text/html) is sanitised; ConvLab's own renderer is safe either way.
          const model = new MimeModel({ data, metadata: answer.bundle.metadata as MimeModel.IOptions['metadata'], trusted: false });
          const renderer = this.rendermime.createRenderer(mimeType);
          await renderer.renderModel(model);
          if (ask !== this.asked) {
            renderer.dispose();
            return;
          }
          this.clearView();
          this.view.addWidget(renderer);
          this.view.node.dataset['name'] = name;
          this.view.node.dataset['state'] = 'shown';
          return;
        }
        error = 'nothing in the answer can be drawn here';
      } else {
        error = answer.error ?? 'no answer';
      }
    } catch (e) {
      if (ask !== this.asked) return;
      error = e instanceof Error ? e.message : String(e);
    }
    this.clearView();
    this.view.node.dataset['name'] = name;
    this.view.node.dataset['state'] = 'error';
    this.view.addWidget(new Widget({ node: element('div', 'convlab-error', `cannot show ${name}: ${error}`) }));
  }

  /** No tensor selected, none drawn, and any answer still on the way dropped. */
  private unselect(): void {
    this.selected = undefined;
    this.asked++;
    this.clearView();
  }

  private clearView(): void {
    for (const child of [...this.view.widgets]) child.dispose();
    delete this.view.node.dataset['name'];
    delete this.view.node.dataset['state'];
  }
}
