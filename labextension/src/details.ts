/**
 * The selected artifact: its metadata, error traceback, execution output, Explore plot, and
 * the actions (cancel, re-run, delete, copy the name, insert a loading cell in the notebook).
 */
import { ApiError, blobURL, orchestra, requestAPI } from './api';
import {
  Artifact,
  canCancel,
  canRerun,
  formatDuration,
  imageRoute,
  loadCellSource
} from './state';

/** What the sidebar needs from JupyterLab, so the views stay free of application wiring. */
export interface Host {
  /** Add a code cell to the active notebook; an error message when there is none. */
  insertCell(source: string): string | null;
  copy(text: string): void;
  confirm(title: string, body: string, accept: string): Promise<boolean>;
  error(title: string, message: string): void;
  /** The active notebook's path and content, or null. */
  currentNotebook(): { path: string; content: unknown } | null;
  /** Save a notebook next to the current directory under a free name and open it. */
  saveAndOpen(name: string, content: unknown): Promise<string>;
}

const SHOWN_FIELDS = [
  'type',
  'status',
  'description',
  'parents',
  'timeCreated',
  'startedAt',
  'finishedAt',
  'durationSeconds',
  'jobId'
];
const HIDDEN_FIELDS = new Set(['name', 'error', 'progress', '_id', 'request']);

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

function display(key: string, value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if ((key === 'startedAt' || key === 'finishedAt') && typeof value === 'number') {
    return new Date(value * 1000).toLocaleString();
  }
  if (key === 'durationSeconds' && typeof value === 'number') {
    return formatDuration(value);
  }
  if (Array.isArray(value)) {
    return value.map(v => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export class DetailsView {
  readonly node = el('section', 'lo-Details');
  private summary = el('div', 'lo-Details-summary');
  private output = el('div', 'lo-Details-output');
  private plot = el('div', 'lo-Details-plot');
  private loadedKey = '';
  private imageURL = '';

  constructor(
    private host: Host,
    private changed: () => void
  ) {
    this.node.append(this.summary, this.output, this.plot);
    this.node.hidden = true;
  }

  dispose(): void {
    if (this.imageURL) {
      URL.revokeObjectURL(this.imageURL);
    }
  }

  show(artifact: Artifact | null): void {
    this.node.hidden = artifact === null;
    if (!artifact) {
      this.loadedKey = '';
      return;
    }
    this.summary.replaceChildren(...this.describe(artifact));
    const key = `${artifact.name}|${artifact.status}|${artifact.finishedAt ?? ''}`;
    if (key !== this.loadedKey) {
      this.loadedKey = key;
      void this.loadOutput(artifact, key);
      void this.loadPlot(artifact, key);
    }
  }

  private describe(artifact: Artifact): HTMLElement[] {
    const title = el('h3', 'lo-Details-title', artifact.name);
    const table = el('table', 'lo-Details-meta');
    const keys = [
      ...SHOWN_FIELDS.filter(k => k in artifact),
      ...Object.keys(artifact).filter(k => !SHOWN_FIELDS.includes(k) && !HIDDEN_FIELDS.has(k))
    ];
    for (const key of keys) {
      const text = display(key, artifact[key]);
      if (text) {
        const row = table.insertRow();
        row.insertCell().textContent = key;
        row.insertCell().textContent = text;
      }
    }
    if (artifact.progress?.message) {
      const row = table.insertRow();
      row.insertCell().textContent = 'progress';
      row.insertCell().textContent = `${Math.round((artifact.progress.fraction ?? 0) * 100)}% ${
        artifact.progress.message
      }`;
    }
    const parts: HTMLElement[] = [title, this.actions(artifact), table];
    const code = (artifact.request as { function?: unknown } | undefined)?.function;
    if (typeof code === 'string') {
      parts.push(el('div', 'lo-Details-label', 'Code'), el('pre', 'lo-Details-code', code));
    }
    if (artifact.error?.message) {
      const box = el('div', 'lo-Details-error');
      box.append(el('div', 'lo-Details-errorMessage', artifact.error.message));
      if (artifact.error.traceback) {
        box.append(el('pre', 'lo-Details-traceback', artifact.error.traceback));
      }
      parts.push(box);
    }
    return parts;
  }

  private actions(artifact: Artifact): HTMLElement {
    const bar = el('div', 'lo-Details-actions');
    const button = (label: string, action: () => Promise<void> | void, title: string) => {
      const node = el('button', `lo-Button lo-Action-${label.toLowerCase().replace(/\W+/g, '-')}`,
                      label);
      node.title = title;
      node.onclick = () => {
        Promise.resolve(action()).catch(error =>
          this.host.error(`${label} ${artifact.name}`, (error as Error).message)
        );
      };
      bar.append(node);
    };
    const name = encodeURIComponent(artifact.name);
    if (canCancel(artifact)) {
      button('Cancel', async () => {
        await orchestra(`observe/${name}/cancel`, { method: 'POST' });
        this.changed();
      }, 'Cancel the queued or running job');
    }
    if (canRerun(artifact)) {
      button('Re-run', async () => {
        await requestAPI(`rerun/${name}`, { method: 'POST' });
        this.changed();
      }, 'Run the same request again under this name');
    }
    button('Delete', async () => {
      const sure = await this.host.confirm(
        'Delete artifact',
        `Delete ${artifact.name} (${artifact.type}) and its files?`,
        'Delete'
      );
      if (sure) {
        await orchestra(`${artifact.type}/${name}`, { method: 'DELETE' });
        this.changed();
      }
    }, 'Delete the artifact and its files');
    button('Copy name', () => this.host.copy(artifact.name), 'Copy the name to the clipboard');
    button('Insert', () => {
      const problem = this.host.insertCell(loadCellSource(artifact.name));
      if (problem) {
        throw new Error(problem);
      }
    }, 'Add a cell loading this artifact to the active notebook');
    return bar;
  }

  /** The last execution's printed output (functionMessage), for types that keep one. */
  private async loadOutput(artifact: Artifact, key: string): Promise<void> {
    this.output.replaceChildren();
    if (artifact.type !== 'function/python' || artifact.status === 'queued') {
      return;
    }
    try {
      const runs = await orchestra<Array<Record<string, unknown>>>(
        `${artifact.type}/${encodeURIComponent(artifact.name)}?skip=1&limit=100`
      );
      const last = [...(runs ?? [])].reverse().find(r => typeof r.functionMessage === 'string');
      if (key === this.loadedKey && last) {
        this.output.append(
          el('div', 'lo-Details-label', 'Output'),
          el('pre', 'lo-Details-message', String(last.functionMessage) || '(no output)')
        );
      }
    } catch (error) {
      if (key === this.loadedKey) {
        this.output.append(el('div', 'lo-Details-note', (error as Error).message));
      }
    }
  }

  private async loadPlot(artifact: Artifact, key: string): Promise<void> {
    this.plot.replaceChildren();
    if (this.imageURL) {
      URL.revokeObjectURL(this.imageURL);
      this.imageURL = '';
    }
    const route = imageRoute(artifact);
    if (!route || artifact.status !== 'finished') {
      return;
    }
    try {
      const source = await blobURL(route);
      if (key !== this.loadedKey) {
        URL.revokeObjectURL(source);
        return;
      }
      this.imageURL = source;
      const image = el('img', 'lo-Details-image');
      image.src = source;
      image.alt = `plot of ${artifact.name}`;
      this.plot.append(image);
    } catch (error) {
      const missing = error instanceof ApiError && error.status === 404;
      this.plot.append(
        el('div', 'lo-Details-note', missing ? 'No plot for this artifact.' : (error as Error).message)
      );
    }
  }
}
