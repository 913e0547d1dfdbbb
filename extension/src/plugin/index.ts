/**
 * ConvLab's JupyterLab application plugin (package.json `jupyterlab.extension`; the MIME renderers are the
 * separate `mimeExtension`, ../index.ts). It follows the notebooks: each notebook gets an
 * {@link InspectorConnection} that opens the `convlab.inspector` comm when its kernel is ConvLab's, and the side
 * panel and the status item show the active notebook's. It also loads the view settings into the store the
 * feature-map views follow, installs the exact-value source of their hover, and adds the palette commands.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { LabIcon } from '@jupyterlab/ui-components';
import { addCommands } from './commands';
import { InspectorConnection } from './connection';
import { InspectorPanel } from './panel';
import { readSettings, viewSettings } from '../view-settings';
import { InspectorStatus } from './status';
import { setValueSource } from '../exact-values';

/** The plugin's id; its settings schema is extension/schema/plugin.json. */
export const PLUGIN_ID = 'convlab-extension:plugin';

/** The side panel's tab icon: three stacked maps. A constant of ours, never payload text. */
const icon = new LabIcon({
  name: 'convlab:maps',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">' +
    '<g class="jp-icon3" fill="#616161"><rect x="1" y="6" width="9" height="9" rx="1"/>' +
    '<rect x="4" y="3.5" width="9" height="9" rx="1" opacity="0.7"/><rect x="6.5" y="1" width="8.5" height="8.5" rx="1" opacity="0.45"/></g></svg>',
});

function activate(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  rendermime: IRenderMimeRegistry,
  settingRegistry: ISettingRegistry | null,
  statusBar: IStatusBar | null,
  palette: ICommandPalette | null,
): void {
  const connections = new WeakMap<NotebookPanel, InspectorConnection>();
  // Made on first sight of a notebook: the tracker may report it current before it reports it added.
  const connect = (panel: NotebookPanel): InspectorConnection => {
    let connection = connections.get(panel);
    if (!connection) {
      const made = new InspectorConnection(panel.sessionContext);
      connections.set(panel, made);
      panel.disposed.connect(() => made.dispose());
      // The code-writing commands are enabled by the active notebook's status (./commands.ts).
      made.changed.connect(() => app.commands.notifyCommandChanged());
      // A rename: the side panel's label is the active notebook's path (follow, below, is set by then).
      panel.context.pathChanged.connect(() => follow());
      connection = made;
    }
    return connection;
  };
  tracker.forEach((panel) => void connect(panel));
  tracker.widgetAdded.connect((_, panel) => void connect(panel));

  const sidePanel = new InspectorPanel(rendermime);
  sidePanel.title.icon = icon;
  app.shell.add(sidePanel, 'right', { rank: 650 });

  const status = new InspectorStatus();
  statusBar?.registerStatusItem('convlab-extension:status', {
    item: status,
    align: 'left',
    rank: 20,
    isActive: () => status.active,
    activeStateChanged: status.activeChanged,
  });

  const follow = (): void => {
    const panel = tracker.currentWidget;
    const connection = panel ? connect(panel) : undefined;
    sidePanel.follow(connection, panel?.context.path ?? '');
    status.follow(connection);
  };
  tracker.currentChanged.connect(follow);
  follow();

  // A hovered map asks the kernel of the notebook its output lies in (or, inside the side panel, the panel's).
  setValueSource((node, query) => {
    const notebook = tracker.find((panel) => panel.node.contains(node));
    const connection = notebook ? connections.get(notebook) : sidePanel.node.contains(node) ? sidePanel.current : undefined;
    return connection?.status === 'open' ? connection.requestValue(query.ref, query.map, query.index) : undefined;
  });

  if (settingRegistry) {
    settingRegistry
      .load(PLUGIN_ID)
      .then((settings) => {
        const apply = (): void => viewSettings.set(readSettings(settings.composite));
        apply();
        settings.changed.connect(apply);
      })
      .catch((error: unknown) => console.error('ConvLab: the settings could not be loaded; the views keep their defaults', error));
  }

  addCommands(app, tracker, palette, connect);
}

/** The plugin. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'ConvLab: live tensors panel, status item, view settings, exact values on hover, palette commands.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [ISettingRegistry, IStatusBar, ICommandPalette],
  activate,
};

export default plugin;
