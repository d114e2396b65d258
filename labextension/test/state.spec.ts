import {
  Artifact,
  applyEvent,
  canCancel,
  canRerun,
  copyPath,
  duration,
  errorMessage,
  formatDuration,
  fromList,
  imageRoute,
  lineageGroups,
  loadCellSource,
  notebookContent,
  parseEvent,
  progressFraction,
  pythonName,
  sharedNotebooks,
  typeIcon
} from '../src/state';

function artifact(name: string, parents: string[] = [], extra: Partial<Artifact> = {}): Artifact {
  return { name, type: 'function/python', status: 'finished', parents, ...extra };
}

describe('applyEvent', () => {
  it('merges a progress event into a known artifact without touching the input', () => {
    const before = fromList([artifact('a', [], { status: 'queued' })]);
    const { artifacts, refresh } = applyEvent(before, {
      name: 'a',
      status: 'running',
      progress: { fraction: 0.5, message: 'half' },
      time: 100
    });
    expect(artifacts.get('a')).toMatchObject({
      status: 'running',
      progress: { fraction: 0.5, message: 'half' },
      startedAt: 100,
      parents: []
    });
    expect(before.get('a')!.status).toBe('queued');
    expect(refresh).toEqual([]);
  });

  it('asks for the full metadata of a new name and of a job that just ended', () => {
    const first = applyEvent(new Map(), { name: 'new', status: 'queued', type: 'dataset/csv' });
    expect(first.artifacts.get('new')).toMatchObject({ type: 'dataset/csv', parents: [] });
    expect(first.refresh).toEqual(['new']);
    const running = applyEvent(first.artifacts, { name: 'new', status: 'running' });
    expect(running.refresh).toEqual([]);
    const failed = applyEvent(running.artifacts, {
      name: 'new',
      status: 'failed',
      error: { message: 'ValueError: bad' }
    });
    expect(failed.refresh).toEqual(['new']);
    expect(failed.artifacts.get('new')!.error).toEqual({ message: 'ValueError: bad' });
  });

  it('times a job that just ended and forgets the old timing when it runs again', () => {
    let state = fromList([artifact('a', [], { status: 'queued' })]);
    state = applyEvent(state, { name: 'a', status: 'running', time: 100 }).artifacts;
    state = applyEvent(state, { name: 'a', status: 'finished', time: 103.5 }).artifacts;
    expect(state.get('a')!.durationSeconds).toBe(3.5);
    state = applyEvent(state, { name: 'a', status: 'queued', time: 200 }).artifacts;
    expect(state.get('a')).toMatchObject({ durationSeconds: null, startedAt: null, error: null });
    expect(duration(state.get('a')!, 300)).toBeNull();
  });

  it('removes a deleted artifact', () => {
    const before = fromList([artifact('a'), artifact('b')]);
    const { artifacts } = applyEvent(before, { name: 'a', status: 'deleted', deleted: true });
    expect([...artifacts.keys()]).toEqual(['b']);
  });

  it('ignores an event without a name', () => {
    const before = fromList([artifact('a')]);
    expect(applyEvent(before, {} as never).artifacts).toBe(before);
  });
});

describe('lineageGroups', () => {
  it('groups connected artifacts, parents first, newest pipeline first', () => {
    const groups = lineageGroups(
      fromList([
        artifact('titanic', [], { type: 'dataset/csv' }),
        artifact('lonely'),
        artifact('features', ['titanic']),
        artifact('model', ['features', 'titanic'])
      ])
    );
    expect(groups.map(g => g.rows.map(r => [r.artifact.name, r.depth]))).toEqual([
      [
        ['titanic', 0],
        ['features', 1],
        ['model', 2]
      ],
      [['lonely', 0]]
    ]);
    expect(groups[0].roots).toEqual(['titanic']);
  });

  it('joins two pipelines that share a child and survives cycles and unknown parents', () => {
    const groups = lineageGroups(
      fromList([
        artifact('a', ['b']),
        artifact('b', ['a']),
        artifact('c', ['gone']),
        artifact('d', ['c', 'a'])
      ])
    );
    expect(groups).toHaveLength(1);
    expect(groups[0].rows.map(r => r.artifact.name).sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('formatting', () => {
  it('formats durations', () => {
    expect(formatDuration(0.42)).toBe('0.4 s');
    expect(formatDuration(12.7)).toBe('12 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatDuration(null)).toBe('');
    expect(formatDuration(-1)).toBe('');
  });

  it('computes a live duration for running jobs only', () => {
    expect(duration(artifact('a', [], { durationSeconds: 3 }), 1000)).toBe(3);
    expect(duration(artifact('a', [], { status: 'running', startedAt: 990 }), 1000)).toBe(10);
    expect(duration(artifact('a', [], { status: 'queued' }), 1000)).toBeNull();
  });

  it('clamps progress and fills finished jobs', () => {
    expect(progressFraction(artifact('a', [], { status: 'running', progress: { fraction: 2 } }))).toBe(1);
    expect(progressFraction(artifact('a', [], { status: 'queued', progress: null }))).toBe(0);
    expect(progressFraction(artifact('a', [], { progress: { fraction: 0.1 } }))).toBe(1);
  });

  it('gives each service its icon and a fallback', () => {
    expect(typeIcon('dataset/csv')).not.toBe(typeIcon('function/python'));
    expect(typeIcon('weird/thing')).toBe(typeIcon(''));
  });
});

describe('actions', () => {
  it('offers cancel for active jobs and re-run for finished PATCH-able types', () => {
    expect(canCancel(artifact('a', [], { status: 'running' }))).toBe(true);
    expect(canCancel(artifact('a'))).toBe(false);
    expect(canRerun(artifact('a'))).toBe(true);
    expect(canRerun(artifact('a', [], { status: 'queued' }))).toBe(false);
    expect(canRerun(artifact('a', [], { type: 'dataset/csv' }))).toBe(false);
    expect(canRerun(artifact('a', [], { type: 'train/tensorflow', status: 'failed' }))).toBe(true);
  });

  it('finds the plot route of explore artifacts only', () => {
    expect(imageRoute(artifact('p', [], { type: 'explore/scikitlearn' }))).toBe(
      'explore/scikitlearn/p/image'
    );
    expect(imageRoute(artifact('p'))).toBeNull();
  });

  it('builds a load cell with a valid Python name', () => {
    expect(loadCellSource('titanic')).toBe('%lo_get titanic --out titanic');
    expect(pythonName('titanic-v2.csv')).toBe('titanic_v2_csv');
    expect(pythonName('2020data')).toBe('_2020data');
  });
});

describe('parsing', () => {
  it('parses event payloads and rejects junk', () => {
    expect(parseEvent('{"name": "a", "status": "running"}')).toEqual({ name: 'a', status: 'running' });
    expect(parseEvent('not json')).toBeNull();
    expect(parseEvent('{"status": "running"}')).toBeNull();
  });

  it('extracts error messages from JSON envelopes', () => {
    expect(errorMessage(404, '{"result": "no artifact named \'x\'"}')).toBe("no artifact named 'x'");
    expect(errorMessage(502, '')).toBe('HTTP 502');
    expect(errorMessage(500, 'boom')).toBe('boom');
  });

  it('accepts shared-notebook listings of names or documents', () => {
    expect(sharedNotebooks(['a', { name: 'b', versions: 2 }, { bad: 1 }, null])).toEqual([
      { name: 'a' },
      { name: 'b', versions: 2 }
    ]);
    expect(sharedNotebooks({ not: 'a list' })).toEqual([]);
  });

  it('finds the notebook inside a response body', () => {
    const nb = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
    expect(notebookContent(nb)).toBe(nb);
    expect(notebookContent({ result: nb })).toBe(nb);
    expect(notebookContent({ result: { notebook: nb } })).toBe(nb);
    expect(notebookContent({ result: 'nope' })).toBeNull();
  });

  it('picks a copy path that does not overwrite', () => {
    const taken = new Set(['work/demo-copy.ipynb', 'work/demo-copy2.ipynb']);
    expect(copyPath('demo', 'work', p => taken.has(p))).toBe('work/demo-copy3.ipynb');
    expect(copyPath('a b.ipynb', '', () => false)).toBe('a_b-copy.ipynb');
  });
});
