/**
 * The Orchestra sidebar: connection status, the live list of artifacts and jobs grouped by
 * lineage, the selected artifact's details and the shared notebooks. State changes go through
 * the pure functions of state.ts; this module only fetches, listens and draws.
 */
import { Widget } from '@lumino/widgets';

import { ApiError, Status, eventsURL, orchestra, status } from './api';
import { DetailsView, Host } from './details';
import { NotebooksView } from './notebooks';
import {
  Artifact,
  Artifacts,
  applyEvent,
  duration,
  formatDuration,
  fromList,
  isActive,
  lineageGroups,
  parseEvent,
  progressFraction,
  typeIcon
} from './state';
import { orchestraIcon } from './icon';

const RECONNECT_MS = 5000;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text) {
    node.textContent = text;
  }
  return node;
}

export class OrchestraPanel extends Widget {
  private artifacts: Artifacts = new Map();
  private connection: Status | null = null;
  private selected: string | null = null;
  private source: EventSource | null = null;
  private pending = new Set<string>();
  private timers: number[] = [];
  private drawScheduled = false;
  private header = el('div', 'lo-Orchestra-header');
  private list = el('div', 'lo-Orchestra-list');
  private count = el('span', 'lo-Orchestra-count');
  private details: DetailsView;
  private notebooks: NotebooksView;

  constructor(host: Host) {
    super();
    this.id = 'lo-jupyter-orchestra';
    this.addClass('lo-Orchestra');
    this.title.icon = orchestraIcon;
    this.title.caption = 'Orchestra: jobs and artifacts';
    this.details = new DetailsView(host, () => this.reload());
    this.notebooks = new NotebooksView(host);
    const jobs = el('h3', 'lo-Orchestra-section', 'Jobs and artifacts ');
    jobs.appendChild(this.count);
    this.node.append(this.header, jobs, this.list, this.details.node, this.notebooks.node);
    this.list.addEventListener('click', event => this.onListClick(event));
    this.timers.push(window.setInterval(() => this.tick(), 1000));
    void this.start();
  }

  dispose(): void {
    this.source?.close();
    this.timers.forEach(timer => window.clearInterval(timer));
    this.details.dispose();
    super.dispose();
  }

  private async start(): Promise<void> {
    await this.refreshStatus();
    this.listen();
  }

  /** GET /status: whether the orchestration server answers, and why not. */
  async refreshStatus(): Promise<void> {
    try {
      this.setStatus(await status());
    } catch (error) {
      const missing = error instanceof ApiError && error.status === 404;
      this.setStatus({
        connected: false,
        reason: missing
          ? 'the lo_jupyter server extension is not enabled: run ' +
            '`jupyter server extension enable lo_jupyter` and restart Jupyter'
          : (error as Error).message
      });
    }
    if (this.connection?.connected) {
      await Promise.all([this.reload(), this.notebooks.reload()]);
    }
  }

  /** Replace the whole list with GET /artifacts (on connect and after actions). */
  async reload(): Promise<void> {
    try {
      this.artifacts = fromList(await orchestra<Artifact[]>('artifacts'));
      this.scheduleDraw();
    } catch (error) {
      if (error instanceof ApiError && error.status >= 500) {
        this.setStatus({ connected: false, url: this.connection?.url, reason: error.message });
      }
    }
  }

  private listen(): void {
    this.source?.close();
    const source = new EventSource(eventsURL());
    this.source = source;
    source.addEventListener('status', event => {
      const next = JSON.parse((event as MessageEvent).data) as Status;
      if (next.connected) {
        void this.refreshStatus(); // the version, and whatever happened while disconnected
      } else {
        this.setStatus(next);
      }
    });
    source.addEventListener('artifact', event => {
      const parsed = parseEvent((event as MessageEvent).data);
      if (parsed) {
        const { artifacts, refresh } = applyEvent(this.artifacts, parsed);
        this.artifacts = artifacts;
        refresh.forEach(name => this.pending.add(name));
        this.scheduleDraw();
        if (refresh.length) {
          window.setTimeout(() => void this.fetchPending(), 200);
        }
      }
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED && this.source === source) {
        // the Jupyter server refused or vanished: EventSource gives up, we do not
        this.setStatus({ connected: false, url: this.connection?.url,
                         reason: 'lost the Jupyter server; retrying' });
        window.setTimeout(() => {
          if (this.source === source && !this.isDisposed) {
            void this.refreshStatus().then(() => this.listen());
          }
        }, RECONNECT_MS);
      }
    };
  }

  private async fetchPending(): Promise<void> {
    const names = [...this.pending];
    this.pending.clear();
    for (const name of names) {
      try {
        const doc = await orchestra<Artifact>(`artifacts/${encodeURIComponent(name)}`);
        const next = new Map(this.artifacts);
        next.set(name, { ...doc, parents: doc.parents ?? [] });
        this.artifacts = next;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          const next = new Map(this.artifacts);
          next.delete(name);
          this.artifacts = next;
        }
      }
    }
    this.scheduleDraw();
  }

  private setStatus(next: Status): void {
    this.connection = next;
    this.toggleClass('lo-Orchestra-offline', !next.connected);
    this.header.replaceChildren();
    const dot = el('span', `lo-Dot ${next.connected ? 'lo-Dot-ok' : 'lo-Dot-bad'}`);
    const text = el('div', 'lo-Orchestra-server');
    text.append(el('div', 'lo-Orchestra-state', next.connected ? 'Connected' : 'Not connected'));
    if (next.url) {
      text.append(el('div', 'lo-Orchestra-url', next.url));
    }
    if (next.connected && next.version) {
      text.append(el('div', 'lo-Orchestra-version', `lo-server ${next.version}`));
    }
    if (!next.connected && next.reason) {
      text.append(el('div', 'lo-Orchestra-reason', next.reason));
    }
    const refresh = el('button', 'lo-Button lo-Orchestra-refresh', 'Refresh');
    refresh.title = 'Check the connection and reload the list';
    refresh.onclick = () => void this.refreshStatus();
    this.header.append(dot, text, refresh);
    this.scheduleDraw();
  }

  private tick(): void {
    if ([...this.artifacts.values()].some(a => a.status === 'running')) {
      this.scheduleDraw();
    }
  }

  private scheduleDraw(): void {
    if (!this.drawScheduled) {
      this.drawScheduled = true;
      requestAnimationFrame(() => {
        this.drawScheduled = false;
        this.draw();
      });
    }
  }

  private draw(): void {
    this.count.textContent = `(${this.artifacts.size})`;
    this.list.replaceChildren();
    if (!this.artifacts.size) {
      const message = this.connection?.connected
        ? 'No artifacts yet: run a %%lo_function cell or ingest a dataset.'
        : 'Nothing to show until the orchestration server is reachable.';
      this.list.append(el('div', 'lo-Empty', message));
    }
    const now = Date.now() / 1000;
    for (const group of lineageGroups(this.artifacts)) {
      const box = el('div', 'lo-Group');
      for (const { artifact, depth } of group.rows) {
        box.append(this.row(artifact, depth, now));
      }
      this.list.append(box);
    }
    const current = this.selected ? this.artifacts.get(this.selected) ?? null : null;
    this.details.show(current);
  }

  private row(artifact: Artifact, depth: number, now: number): HTMLElement {
    const row = el('div', 'lo-Row');
    row.dataset.name = artifact.name;
    row.dataset.status = String(artifact.status);
    row.dataset.depth = String(depth);
    row.style.paddingLeft = `${4 + depth * 14}px`;
    row.title = `${artifact.type}${artifact.parents.length ? ` from ${artifact.parents.join(', ')}` : ''}`;
    if (artifact.name === this.selected) {
      row.classList.add('lo-Row-selected');
    }
    const line = el('div', 'lo-Row-line');
    line.append(
      el('span', 'lo-Icon', typeIcon(artifact.type)),
      el('span', 'lo-Name', artifact.name),
      el('span', `lo-Badge lo-Badge-${artifact.status}`, String(artifact.status)),
      el('span', 'lo-Duration', formatDuration(duration(artifact, now)))
    );
    row.append(line);
    if (isActive(String(artifact.status))) {
      const bar = el('div', 'lo-Progress');
      const fill = el('div', 'lo-Progress-fill');
      fill.style.width = `${Math.round(progressFraction(artifact) * 100)}%`;
      bar.append(fill);
      bar.title = artifact.progress?.message ?? '';
      row.append(bar);
    }
    return row;
  }

  private onListClick(event: MouseEvent): void {
    const row = (event.target as HTMLElement).closest('.lo-Row') as HTMLElement | null;
    if (row?.dataset.name) {
      this.selected = this.selected === row.dataset.name ? null : row.dataset.name;
      this.scheduleDraw();
    }
  }
}
