/**
 * The status bar item: `ConvLab · <backend>[ · <renderer>] · <n> tensors · <memory>` for the active notebook when
 * its kernel is ConvLab's and the inspector comm is open; hidden otherwise (the status bar asks `isActive`).
 * DOM contract: `.convlab-status` (its text; `data-backend` holds the backend alone).
 */
import { Signal, type ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import type { InspectorConnection } from './connection';
import { statusText } from './messages';

/**
 * The status item widget and its visibility.
 *
 * @example
 * const status = new InspectorStatus();
 * statusBar.registerStatusItem('convlab:status', { item: status, align: 'left', isActive: () => status.active,
 *   activeStateChanged: status.activeChanged });
 * status.follow(connectionOfActiveNotebook);
 */
export class InspectorStatus extends Widget {
  private connection: InspectorConnection | undefined;
  private readonly activeSignal = new Signal<this, void>(this);
  private wasActive = false;

  constructor() {
    super();
    this.addClass('convlab-status');
    this.addClass('jp-StatusBar-TextItem');
    this.title.caption = 'the ConvLab kernel of the active notebook: backend, renderer, live tensors and their memory';
    this.refresh();
  }

  /** Fires when the item should appear or disappear. */
  get activeChanged(): ISignal<this, void> {
    return this.activeSignal;
  }

  /** True while the active notebook's ConvLab kernel has sent its state. */
  get active(): boolean {
    return this.connection?.status === 'open' && this.connection.state !== undefined;
  }

  /** Follows another notebook's connection (or none). */
  follow(connection: InspectorConnection | undefined): void {
    if (connection === this.connection) return;
    this.connection?.changed.disconnect(this.refresh, this);
    this.connection = connection;
    connection?.changed.connect(this.refresh, this);
    this.refresh();
  }

  override dispose(): void {
    this.connection?.changed.disconnect(this.refresh, this);
    super.dispose();
  }

  private refresh(): void {
    const state = this.active ? this.connection!.state : undefined;
    this.node.textContent = state ? statusText(state) : '';
    if (state) this.node.dataset['backend'] = state.backend;
    else delete this.node.dataset['backend'];
    // The status bar hides an inactive item; hidden here too, so the DOM says the same without the status bar.
    this.node.hidden = !state;
    if (this.active !== this.wasActive) {
      this.wasActive = this.active;
      this.activeSignal.emit();
    }
  }
}
