/**
 * The sidebar's state, as pure functions: artifacts by name, events applied to them, lineage
 * groups, and the small formatting rules. No DOM and no JupyterLab imports, so jest tests it.
 */

export type Status = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

export const STATUSES: Status[] = ['queued', 'running', 'finished', 'failed', 'cancelled'];
export const ACTIVE: Status[] = ['queued', 'running'];

export interface Progress {
  fraction: number;
  message?: string;
}

export interface ErrorInfo {
  message: string;
  traceback?: string | null;
}

export interface Artifact {
  name: string;
  type: string;
  status: Status | string;
  parents: string[];
  progress?: Progress | null;
  error?: ErrorInfo | null;
  finished?: boolean;
  jobId?: string;
  startedAt?: number | null;
  finishedAt?: number | null;
  durationSeconds?: number | null;
  timeCreated?: string;
  [key: string]: unknown;
}

/** One message of the orchestration server's event stream. */
export interface ArtifactEvent {
  name: string;
  status: string;
  type?: string;
  progress?: Progress | null;
  error?: ErrorInfo | null;
  finished?: boolean;
  jobId?: string;
  time?: number;
  deleted?: boolean;
}

export type Artifacts = Map<string, Artifact>;

export interface Applied {
  artifacts: Artifacts;
  /** Names whose full metadata should be fetched again (new, or just ended). */
  refresh: string[];
}

export function fromList(list: Artifact[]): Artifacts {
  const map: Artifacts = new Map();
  for (const item of list) {
    if (item && typeof item.name === 'string') {
      map.set(item.name, { ...item, parents: item.parents ?? [] });
    }
  }
  return map;
}

export function isActive(status: string): boolean {
  return (ACTIVE as string[]).includes(status);
}

/** Apply one event without mutating the input; say what to fetch again. */
export function applyEvent(artifacts: Artifacts, event: ArtifactEvent): Applied {
  const next: Artifacts = new Map(artifacts);
  if (!event || typeof event.name !== 'string') {
    return { artifacts, refresh: [] };
  }
  if (event.deleted || event.status === 'deleted') {
    next.delete(event.name);
    return { artifacts: next, refresh: [] };
  }
  const known = artifacts.get(event.name);
  const merged: Artifact = {
    ...(known ?? { name: event.name, type: event.type ?? '', parents: [] }),
    status: event.status ?? known?.status ?? 'queued'
  };
  for (const key of ['type', 'progress', 'error', 'finished', 'jobId'] as const) {
    if (event[key] !== undefined) {
      (merged as Record<string, unknown>)[key] = event[key];
    }
  }
  const wasActive = known !== undefined && isActive(String(known.status));
  if (known && !wasActive && isActive(merged.status)) {
    // a re-run: the previous run's timing and error no longer describe it
    merged.startedAt = merged.finishedAt = merged.durationSeconds = null;
    merged.error = event.error ?? null;
  }
  if (event.status === 'running' && !merged.startedAt && event.time) {
    merged.startedAt = event.time;
  }
  const ended = wasActive && !isActive(merged.status);
  if (ended && typeof merged.startedAt === 'number' && event.time) {
    // until the full metadata arrives
    merged.durationSeconds = merged.durationSeconds ?? Math.max(0, event.time - merged.startedAt);
  }
  next.set(event.name, merged);
  return { artifacts: next, refresh: !known || ended ? [event.name] : [] };
}

export interface Row {
  artifact: Artifact;
  depth: number;
}

export interface Group {
  /** The names of the group's roots (artifacts without parents inside the group). */
  roots: string[];
  rows: Row[];
}

/**
 * Pipelines: the connected parts of the parents graph. Inside one, parents come before their
 * children (depth = longest path from a root); the newest pipeline comes first.
 */
export function lineageGroups(artifacts: Artifacts): Group[] {
  const names = [...artifacts.keys()];
  const order = new Map(names.map((name, index) => [name, index]));
  const links = new Map<string, Set<string>>(names.map(name => [name, new Set<string>()]));
  for (const artifact of artifacts.values()) {
    for (const parent of artifact.parents ?? []) {
      if (links.has(parent) && parent !== artifact.name) {
        links.get(parent)!.add(artifact.name);
        links.get(artifact.name)!.add(parent);
      }
    }
  }
  const seen = new Set<string>();
  const groups: Group[] = [];
  for (const start of names) {
    if (seen.has(start)) {
      continue;
    }
    const members: string[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length) {
      const name = stack.pop()!;
      members.push(name);
      for (const other of links.get(name)!) {
        if (!seen.has(other)) {
          seen.add(other);
          stack.push(other);
        }
      }
    }
    members.sort((a, b) => order.get(a)! - order.get(b)!);
    groups.push(orderGroup(members, artifacts));
  }
  const newest = (group: Group) => Math.max(...group.rows.map(r => order.get(r.artifact.name)!));
  return groups.sort((a, b) => newest(b) - newest(a));
}

function orderGroup(members: string[], artifacts: Artifacts): Group {
  const inGroup = new Set(members);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (name: string): number => {
    if (depth.has(name)) {
      return depth.get(name)!;
    }
    if (visiting.has(name)) {
      return 0; // a cycle in bad metadata: stop here rather than loop
    }
    visiting.add(name);
    const parents = (artifacts.get(name)!.parents ?? []).filter(
      p => inGroup.has(p) && p !== name
    );
    const value = parents.length ? 1 + Math.max(...parents.map(depthOf)) : 0;
    visiting.delete(name);
    depth.set(name, value);
    return value;
  };
  const rows = members.map(name => ({ artifact: artifacts.get(name)!, depth: depthOf(name) }));
  rows.sort((a, b) => a.depth - b.depth); // stable: creation order within a depth
  return { roots: rows.filter(r => r.depth === 0).map(r => r.artifact.name), rows };
}

/** Seconds as "0.4 s", "12 s", "3 min 05 s" or "1 h 02 min"; "" when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds) || seconds < 0) {
    return '';
  }
  if (seconds < 10) {
    return `${seconds.toFixed(1)} s`;
  }
  if (seconds < 60) {
    return `${Math.floor(seconds)} s`;
  }
  const two = (n: number) => String(Math.floor(n)).padStart(2, '0');
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${two(seconds % 60)} s`;
  }
  return `${Math.floor(seconds / 3600)} h ${two((seconds % 3600) / 60)} min`;
}

/** The recorded duration, or the time so far for a running job (`now` in epoch seconds). */
export function duration(artifact: Artifact, now: number): number | null {
  if (typeof artifact.durationSeconds === 'number') {
    return artifact.durationSeconds;
  }
  if (artifact.status === 'running' && typeof artifact.startedAt === 'number') {
    return Math.max(0, now - artifact.startedAt);
  }
  return null;
}

/** Progress as a fraction in [0, 1]; finished jobs are full, unknown ones empty. */
export function progressFraction(artifact: Artifact): number {
  if (artifact.status === 'finished') {
    return 1;
  }
  const value = Number(artifact.progress?.fraction ?? 0);
  return isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/** The service part of a type ("function" for "function/python"). */
export function service(type: string): string {
  return (type || 'unknown').split('/')[0];
}

const ICONS: Record<string, string> = {
  dataset: '\u25A6', // a table
  transform: '\u21C4',
  explore: '\u25D4', // a chart
  model: '\u25C7',
  train: '\u25B6',
  tune: '\u2699',
  evaluate: '\u2713',
  predict: '\u2192',
  builder: '\u2692',
  function: '\u0192',
  notebook: '\u2630'
};

/** A one-character glyph per service, so rows are recognisable at a glance. */
export function typeIcon(type: string): string {
  return ICONS[service(type)] ?? '\u25CF';
}

/** Types whose route takes a PATCH that runs the artifact again. */
const RERUNNABLE = /^(model|train|tune|evaluate|predict)\/(scikitlearn|tensorflow)$|^(explore|transform)\/(scikitlearn|tensorflow)$|^function\/python$/;

export function canRerun(artifact: Artifact): boolean {
  return RERUNNABLE.test(artifact.type) && !isActive(String(artifact.status));
}

export function canCancel(artifact: Artifact): boolean {
  return isActive(String(artifact.status));
}

/** The route of an Explore artifact's plot, or null for other types. */
export function imageRoute(artifact: Artifact): string | null {
  const [kind, tool] = (artifact.type || '').split('/');
  if (kind !== 'explore' || !tool) {
    return null;
  }
  return `explore/${tool}/${encodeURIComponent(artifact.name)}/image`;
}

/** A Python identifier for an artifact name ("titanic-v2.csv" -> "titanic_v2_csv"). */
export function pythonName(name: string): string {
  let value = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!value || /^[0-9]/.test(value)) {
    value = `_${value}`;
  }
  return value;
}

/** The cell that "insert into notebook" adds. */
export function loadCellSource(name: string): string {
  return `%lo_get ${name} --out ${pythonName(name)}`;
}

/** Parse an SSE data payload; null when it is not a usable event. */
export function parseEvent(data: string): ArtifactEvent | null {
  try {
    const value = JSON.parse(data);
    if (value && typeof value === 'object' && typeof value.name === 'string') {
      return value as ArtifactEvent;
    }
  } catch {
    // a keep-alive or a broken line: ignore it
  }
  return null;
}

/** The message to show for an error body: its JSON "result", else the text itself. */
export function errorMessage(status: number, body: string): string {
  try {
    const value = JSON.parse(body);
    if (value && typeof value.result === 'string') {
      return value.result;
    }
    if (value && typeof value.message === 'string') {
      return value.message;
    }
  } catch {
    // not JSON
  }
  return body.trim() ? body.trim().slice(0, 500) : `HTTP ${status}`;
}

export interface SharedNotebook {
  name: string;
  [key: string]: unknown;
}

/** The shared-notebooks listing in whichever shape the server sends (names or documents). */
export function sharedNotebooks(result: unknown): SharedNotebook[] {
  const list = Array.isArray(result) ? result : [];
  return list
    .map(item => (typeof item === 'string' ? { name: item } : (item as SharedNotebook)))
    .filter(item => item && typeof item.name === 'string');
}

/** A notebook document out of GET /notebooks/{name}: bare, or wrapped in "result"/"notebook". */
export function notebookContent(body: unknown): Record<string, unknown> | null {
  let value = body as Record<string, unknown> | null;
  for (let i = 0; i < 3 && value && typeof value === 'object'; i++) {
    if (Array.isArray(value.cells)) {
      return value;
    }
    value = (value.result ?? value.notebook ?? value.content ?? null) as Record<
      string,
      unknown
    > | null;
  }
  return null;
}

/** A path for a copy that does not overwrite an existing file. */
export function copyPath(name: string, directory: string, exists: (path: string) => boolean): string {
  const base = name.replace(/\.ipynb$/, '').replace(/[^A-Za-z0-9_.-]/g, '_');
  const join = (file: string) => (directory ? `${directory}/${file}` : file);
  let path = join(`${base}-copy.ipynb`);
  for (let i = 2; exists(path); i++) {
    path = join(`${base}-copy${i}.ipynb`);
  }
  return path;
}
