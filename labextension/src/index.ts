/**
 * lo-jupyter's JupyterLab plugin: the "Orchestra" sidebar in the left area, and a command
 * (in the palette) that opens it.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Clipboard, Dialog, ICommandPalette, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';

import { Host } from './details';
import { orchestraIcon } from './icon';
import { OrchestraPanel } from './panel';
import { copyPath } from './state';

const OPEN_COMMAND = 'lo-jupyter:open-sidebar';

function makeHost(
  app: JupyterFrontEnd,
  tracker: INotebookTracker | null,
  docManager: IDocumentManager | null
): Host {
  const contents = app.serviceManager.contents;
  return {
    insertCell(source) {
      const panel = tracker?.currentWidget;
      if (!panel) {
        return 'Open a notebook first: the cell is added to the active notebook.';
      }
      NotebookActions.insertBelow(panel.content);
      panel.content.activeCell?.model.sharedModel.setSource(source);
      app.shell.activateById(panel.id);
      return null;
    },
    copy(text) {
      Clipboard.copyToSystem(text);
    },
    async confirm(title, body, accept) {
      const result = await showDialog({
        title,
        body,
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: accept })]
      });
      return result.button.accept;
    },
    error(title, message) {
      void showErrorMessage(title, message);
    },
    currentNotebook() {
      const panel = tracker?.currentWidget;
      if (!panel?.context.model) {
        return null;
      }
      return { path: panel.context.path, content: panel.context.model.toJSON() };
    },
    async saveAndOpen(name, content) {
      const current = tracker?.currentWidget?.context.path;
      const directory = current ? PathExt.dirname(current) : '';
      const listing = await contents.get(directory, { content: true });
      const taken = new Set<string>(
        (listing.content as Array<{ path: string }>).map(item => item.path)
      );
      const path = copyPath(name, directory, p => taken.has(p));
      await contents.save(path, { type: 'notebook', format: 'json', content });
      docManager?.openOrReveal(path);
      return path;
    }
  };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'lo-jupyter:sidebar',
  description: 'The Orchestra sidebar: live jobs and artifacts of the orchestration server.',
  autoStart: true,
  optional: [ICommandPalette, INotebookTracker, IDocumentManager, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    tracker: INotebookTracker | null,
    docManager: IDocumentManager | null,
    restorer: ILayoutRestorer | null
  ) => {
    const panel = new OrchestraPanel(makeHost(app, tracker, docManager));
    app.shell.add(panel, 'left', { rank: 650 });
    restorer?.add(panel, panel.id);
    app.commands.addCommand(OPEN_COMMAND, {
      label: 'Open the Orchestra sidebar',
      caption: 'Jobs and artifacts of the orchestration server',
      icon: orchestraIcon,
      execute: () => {
        app.shell.activateById(panel.id);
        void panel.refreshStatus();
      }
    });
    palette?.addItem({ command: OPEN_COMMAND, category: 'Orchestra' });
  }
};

export default plugin;
