// A ConfigMap or Secret volume named by a param: the plan substitutes its source (so a Pod gets the
// real name) and picks that document's files among those read beside the Task.
import { describe, expect, it } from 'vitest';
import { FakeClock, FakeRuntime } from '../../runtimes/fake/index.js';
import { runPipeline } from '../../engine/driver.js';
import { pipeline, task } from '../../testkit/pipelines.js';
import type { TaskVolume } from '../../syntax/index.js';

const candidates = { 'palette-a': { colour: 'teal', size: 'xl' }, 'palette-b': { colour: 'mauve' } };

async function plannedVolumes(volumes: TaskVolume[], palette: string) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  await clock.run(
    runPipeline({
      input: {
        runName: 'r',
        pipeline: pipeline([task('t', { volumes, params: { palette: '$(params.palette)' } })], [], {
          params: [{ name: 'palette', type: 'string' }],
        }),
        params: { palette },
        workspaces: {},
      },
      runtime,
      clock,
    }),
  );
  return runtime.starts[0]!.plan.volumes!;
}

describe('a volume named by a param', () => {
  it('is substituted and shows the files of the document it names', async () => {
    const [whole, picked] = await plannedVolumes(
      [
        { name: 'whole', source: { configMap: { name: '$(params.palette)' } }, candidates },
        {
          name: 'picked',
          source: { configMap: { name: '$(params.palette)', items: [{ key: 'colour', path: 'fav' }] } },
          candidates,
        },
      ],
      'palette-a',
    );
    expect(whole).toEqual({
      name: 'whole',
      source: { configMap: { name: 'palette-a' } },
      files: candidates['palette-a'],
    });
    expect(picked!.files).toEqual({ fav: 'teal' });
  });

  it('is left without files when no such document was given, unless optional', async () => {
    const [missing, optional] = await plannedVolumes(
      [
        { name: 'missing', source: { secret: { secretName: '$(params.palette)' } }, candidates },
        { name: 'optional', source: { secret: { secretName: '$(params.palette)', optional: true } }, candidates },
      ],
      'palette-z',
    );
    expect(missing).toEqual({ name: 'missing', source: { secret: { secretName: 'palette-z' } } });
    expect(optional!.files).toEqual({});
  });
});
