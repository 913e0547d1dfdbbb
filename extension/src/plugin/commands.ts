/**
 * The palette commands (category 'ConvLab') and the code they write: `convlab:open-panel`,
 * `convlab:insert-example` (a short conv example in a new code cell below the active one) and
 * `convlab:trace-selection` (the selection, or the active cell's code, wrapped in `recordShapes(() => { … })`
 * — kernel/src/trace.ts — in a new cell below, run at once). The code they write is built in ./code.ts. The last
 * two write ConvLab code, so they are enabled only in a notebook whose inspector comm is open (ConvLab's kernel).
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ICommandPalette } from '@jupyterlab/apputils';
import { NotebookActions, type INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { codeToTrace, EXAMPLE_CODE, traceCode } from './code';
import type { InspectorConnection } from './connection';
import { PANEL_ID } from './panel';

/** The commands' ids. */
export const COMMANDS = {
  openPanel: 'convlab:open-panel',
  insertExample: 'convlab:insert-example',
  traceSelection: 'convlab:trace-selection',
} as const;

/** Inserts a code cell holding `code` below the active cell of `panel`, and makes it the active one. */
function insertBelow(panel: NotebookPanel, code: string): void {
  const notebook = panel.content;
  NotebookActions.insertBelow(notebook);
  NotebookActions.changeCellType(notebook, 'code');
  notebook.activeCell?.model.sharedModel.setSource(code);
}

/**
 * Adds the commands (and, when there is a palette, their palette items). `connectionOf` gives a notebook's
 * inspector connection: the code-writing commands need its status `'open'` (the caller notifies the command
 * registry when a connection's status changes, so menus and the palette follow).
 *
 * @example addCommands(app, tracker, palette, connect); app.commands.execute('convlab:insert-example');
 */
export function addCommands(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  palette: ICommandPalette | null,
  connectionOf: (panel: NotebookPanel) => InspectorConnection,
): void {
  // The active notebook, when it is the shell's current widget and runs ConvLab's kernel (another kernel would
  // fail on the code these commands write).
  const hasNotebook = (): boolean => {
    const panel = tracker.currentWidget;
    return panel !== null && panel === app.shell.currentWidget && connectionOf(panel).status === 'open';
  };
  app.commands.addCommand(COMMANDS.openPanel, {
    label: 'Open the ConvLab Panel',
    caption: 'the live tensors of the active notebook',
    execute: () => app.shell.activateById(PANEL_ID),
  });
  app.commands.addCommand(COMMANDS.insertExample, {
    label: 'Insert a ConvLab Example Cell',
    caption: 'a short conv2d example in a new code cell below the active one',
    isEnabled: hasNotebook,
    execute: () => {
      const panel = tracker.currentWidget;
      if (panel) insertBelow(panel, EXAMPLE_CODE);
    },
  });
  app.commands.addCommand(COMMANDS.traceSelection, {
    label: 'Trace the Shapes of the Selection',
    caption: 'runs the selected code (or the active cell) inside recordShapes in a new cell below',
    isEnabled: () => hasNotebook() && tracker.activeCell?.model.type === 'code',
    execute: async () => {
      const panel = tracker.currentWidget;
      const cell = tracker.activeCell;
      if (!panel || !cell || cell.model.type !== 'code') return;
      const source = cell.model.sharedModel.getSource();
      const editor = cell.editor;
      const range = editor?.getSelection();
      const code = range && editor ? codeToTrace(source, editor.getOffsetAt(range.start), editor.getOffsetAt(range.end)) : source;
      if (!code.trim()) return;
      insertBelow(panel, traceCode(code));
      await NotebookActions.run(panel.content, panel.sessionContext);
    },
  });
  for (const command of Object.values(COMMANDS)) palette?.addItem({ command, category: 'ConvLab' });
}
