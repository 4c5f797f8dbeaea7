// The triggers file: every error at once with FILE:LINE:COL, paths taken from the file's folder,
// and random input giving triggers or a SpecError, nothing else.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SpecError } from '../../syntax/index.js';
import { parseTriggersText } from '../../triggers/index.js';
import { seededRandom } from '../../testkit/random.js';

function errors(text: string): string[] {
  try {
    parseTriggersText(text, 't.yaml');
  } catch (err) {
    if (err instanceof SpecError) return err.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`);
    throw err;
  }
  return [];
}

describe('triggers file', () => {
  it('resolves paths against the file and compiles what it can before any delivery', () => {
    const [t] = parseTriggersText(
      'triggers:\n  - name: web\n    pipeline: ../p.yaml\n    source: gitea\n    secretFile: s\n    status: { api: "http://forge/api/v1/", tokenFile: tok }\n',
      '/srv/ci/triggers.yaml',
    );
    expect(t).toMatchObject({
      pipeline: '/srv/p.yaml',
      secretFile: '/srv/ci/s',
      status: { api: 'http://forge/api/v1', tokenFile: '/srv/ci/tok', context: 'kiln' },
    });
  });

  it('reports every problem where it is', () => {
    const text = `triggers:
  - name: Web_App
    pipeline: p.yaml
    source: githib
    secretFile: s
    filter: { cel: "body.x +" }
    params:
      rev: $(bdy.after)
    concurrency: { group: "$(params.revison)" }
  - name: two
    pipeline: p.yaml
    source: generic
    secretFile: s
    status: { api: "ftp://x", tokenFile: t }
    branchs: [main]
`;
    expect(errors(text)).toEqual([
      '2:11 trigger name "Web_App" must be lower-case letters, digits and -, at most 63',
      '4:13 source "githib" is not one of github, gitlab, gitea, generic',
      '6:20 filter.cel: at 1:8: found + but expecting end of input',
      '8:12 params.rev: $(bdy.after): unknown scope "bdy"; use body, header, params, delivery',
      '9:27 $(params.revison): the trigger has no param "revison"',
      '14:13 status is for github, gitlab and gitea sources: a generic delivery names no forge',
      '14:20 status.api "ftp://x" is not an http(s) URL',
      '15:14 unknown field "branchs"',
    ]);
  });

  it('a trigger without secret or pipeline, a duplicate name, a filter that is not a bool', () => {
    const text =
      'triggers:\n  - name: a\n    filter: { cel: "1 + 2" }\n  - name: a\n    pipeline: p\n    secretFile: s\n';
    expect(errors(text)).toEqual([
      '2:5 trigger a needs pipeline: the pipeline it runs',
      "2:5 trigger a needs secretFile: the file holding the webhook's shared secret",
      '3:20 filter.cel: gives a int, not a bool',
      '4:11 trigger "a" is declared twice',
    ]);
  });

  it('fuzz: random documents give triggers or a SpecError', () => {
    const rng = seededRandom(17);
    const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)]!;
    const keys = [
      'name',
      'pipeline',
      'source',
      'secretFile',
      'events',
      'branches',
      'filter',
      'params',
      'concurrency',
      'status',
      'cel',
      'group',
      'api',
    ];
    const leaf = () =>
      pick<unknown>([
        'web',
        'github',
        '$(body.a)',
        '$(',
        '$(params.x)',
        'a == 1',
        42,
        true,
        null,
        [],
        {},
        'x'.repeat(5000),
      ]);
    const value = (depth: number): unknown =>
      depth > 2 || rng() < 0.4
        ? leaf()
        : rng() < 0.5
          ? [value(depth + 1)]
          : Object.fromEntries(Array.from({ length: 3 }, () => [pick(keys), value(depth + 1)]));
    for (let i = 0; i < 400; i++) {
      const doc = rng() < 0.2 ? value(0) : { triggers: Array.from({ length: 2 }, () => value(1)) };
      const text = rng() < 0.1 ? stringify(doc).slice(0, Math.floor(rng() * 80)) : stringify(doc);
      try {
        parseTriggersText(text, 'f.yaml');
      } catch (err) {
        expect(err).toBeInstanceOf(SpecError);
      }
    }
  });
});
