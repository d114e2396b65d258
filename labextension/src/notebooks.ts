/**
 * The "Shared notebooks" section: list, open a copy, run, and publish the current notebook,
 * against PUT/GET/DELETE /notebooks/{name}, GET /notebooks and POST /notebooks/{name}/run.
 * A server without those routes (404) gets a plain "not available" note.
 */
import { ApiError, json, orchestra } from './api';
import { Host } from './details';
import { SharedNotebook, notebookContent, sharedNotebooks } from './state';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

/** A shared-notebook name for a path: "work/Titanic model.ipynb" -> "Titanic_model". */
export function sharedName(path: string): string {
  const file = path.split('/').pop() ?? path;
  return file.replace(/\.ipynb$/, '').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128) || 'notebook';
}

export class NotebooksView {
  readonly node = el('section', 'lo-Notebooks');
  private body = el('div', 'lo-Notebooks-body');

  constructor(private host: Host) {
    const title = el('h3', 'lo-Orchestra-section', 'Shared notebooks');
    const publish = el('button', 'lo-Button lo-Action-publish', 'Publish current');
    publish.title = 'Publish the active notebook to the orchestration server';
    publish.onclick = () => void this.publish();
    title.append(publish);
    this.node.append(title, this.body);
  }

  async reload(): Promise<void> {
    try {
      const list = sharedNotebooks(await orchestra('notebooks'));
      this.draw(list);
    } catch (error) {
      const missing = error instanceof ApiError && error.status === 404;
      this.body.replaceChildren(
        el('div', 'lo-Empty lo-Notebooks-unavailable',
           missing ? 'Shared notebooks are not available on this server.'
                   : (error as Error).message)
      );
    }
  }

  private draw(list: SharedNotebook[]): void {
    this.body.replaceChildren();
    if (!list.length) {
      this.body.append(el('div', 'lo-Empty', 'No shared notebooks yet.'));
    }
    for (const item of list) {
      const row = el('div', 'lo-Notebook');
      row.dataset.name = item.name;
      row.append(el('span', 'lo-Name', item.name));
      const versions = Array.isArray(item.versions) ? item.versions.length : item.versions;
      if (typeof versions === 'number') {
        row.append(el('span', 'lo-Duration', `v${versions}`));
      }
      row.append(
        this.button('Open copy', () => this.openCopy(item.name)),
        this.button('Run', () => this.run(item.name))
      );
      this.body.append(row);
    }
  }

  private button(label: string, action: () => Promise<void>): HTMLButtonElement {
    const node = el('button', 'lo-Button', label);
    node.onclick = () =>
      void action().catch(error => this.host.error(label, (error as Error).message));
    return node;
  }

  private async openCopy(name: string): Promise<void> {
    const content = notebookContent(await orchestra(`notebooks/${encodeURIComponent(name)}`));
    if (!content) {
      throw new Error(`the server sent no notebook for ${name}`);
    }
    await this.host.saveAndOpen(name, content);
  }

  private async run(name: string): Promise<void> {
    await orchestra(`notebooks/${encodeURIComponent(name)}/run`, json('POST', {}));
  }

  private async publish(): Promise<void> {
    const current = this.host.currentNotebook();
    if (!current) {
      this.host.error('Publish', 'Open a notebook first: the active notebook is published.');
      return;
    }
    const name = sharedName(current.path);
    try {
      await orchestra(`notebooks/${encodeURIComponent(name)}`, json('PUT', current.content));
      await this.reload();
    } catch (error) {
      const missing = error instanceof ApiError && error.status === 404;
      this.host.error('Publish', missing
        ? 'Shared notebooks are not available on this server.' : (error as Error).message);
    }
  }
}
