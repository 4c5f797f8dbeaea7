// The decision for a delivery: each forge's signature checked its own way, events, branch globs,
// the CEL filter, params and the concurrency group, over payloads shaped like the forges' own.
import { describe, expect, it } from 'vitest';
import { decide, parseTriggersText, signDelivery, type Source } from '../../triggers/index.js';
import { seededRandom } from '../../testkit/random.js';

const SECRET = 'hook-secret';

function trigger(extra: string, source: Source = 'github') {
  const text = `triggers:
  - name: web
    pipeline: p.yaml
    source: ${source}
    secretFile: s
${extra
  .split('\n')
  .filter(Boolean)
  .map((l) => '    ' + l)
  .join('\n')}
`;
  return parseTriggersText(text, '/x/triggers.yaml')[0]!;
}

const PUSH = {
  ref: 'refs/heads/main',
  after: 'a'.repeat(40),
  head_commit: { message: 'fix the build' },
  repository: { full_name: 'acme/web', clone_url: 'https://forge/acme/web.git' },
};

const EVENT_HEADER: Record<Source, string> = {
  github: 'x-github-event',
  gitlab: 'x-gitlab-event',
  gitea: 'x-gitea-event',
  generic: 'x-kiln-event',
};

function delivery(source: Source, event: string, body: unknown, secret = SECRET, id = 'd-1') {
  const raw = Buffer.from(JSON.stringify(body));
  const idHeader = {
    github: 'x-github-delivery',
    gitlab: 'x-gitlab-event-uuid',
    gitea: 'x-gitea-delivery',
    generic: 'x-kiln-delivery',
  }[source];
  return { raw, headers: { ...signDelivery(source, raw, secret), [EVENT_HEADER[source]]: event, [idHeader]: id } };
}

describe('signatures', () => {
  it.each(['github', 'gitea', 'generic', 'gitlab'] as const)(
    '%s: signed with the secret is accepted, anything else is refused 401',
    (source) => {
      const t = trigger('', source);
      const event = source === 'gitlab' ? 'Push Hook' : 'push';
      const good = delivery(source, event, PUSH);
      expect(decide(t, SECRET, good).outcome).toBe('accepted');
      const wrong = decide(t, SECRET, delivery(source, event, PUSH, 'other-secret'));
      expect(wrong).toMatchObject({ outcome: 'refused', httpStatus: 401 });
      const tampered = { ...good, raw: Buffer.from(JSON.stringify({ ...PUSH, after: 'b'.repeat(40) })) };
      expect(decide(t, SECRET, tampered).outcome).toBe(source === 'gitlab' ? 'accepted' : 'refused');
      const unsigned = decide(t, SECRET, { raw: good.raw, headers: { [EVENT_HEADER[source]]: event } });
      expect(unsigned).toMatchObject({ outcome: 'refused', httpStatus: 401 });
      expect(unsigned.outcome === 'refused' && unsigned.reason).toMatch(/not signed/);
    },
  );

  it('GitHub wants sha256=…, Gitea the bare digest: each refuses the other spelling', () => {
    const raw = Buffer.from('{}');
    const gitea = signDelivery('gitea', raw, SECRET)['x-gitea-signature']!;
    const asGithub = decide(trigger(''), SECRET, {
      raw,
      headers: { 'x-hub-signature-256': gitea, 'x-github-event': 'push' },
    });
    expect(asGithub).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/sha256=<64 hex digits>/) });
  });

  it('a signed body that is not JSON is refused 400', () => {
    const raw = Buffer.from('payload=%7B%7D');
    const d = decide(trigger(''), SECRET, {
      raw,
      headers: { ...signDelivery('github', raw, SECRET), 'x-github-event': 'push' },
    });
    expect(d).toMatchObject({
      outcome: 'refused',
      httpStatus: 400,
      reason: expect.stringMatching(/application\/json/),
    });
  });
});

describe('filters', () => {
  const t = trigger(`events: [push, pull_request]
branches: [main, "release/*"]
filter: { cel: "body.head_commit.message.contains('[skip ci]') == false" }`);

  it('events and branch globs', () => {
    expect(decide(t, SECRET, delivery('github', 'push', PUSH)).outcome).toBe('accepted');
    expect(decide(t, SECRET, delivery('github', 'push', { ...PUSH, ref: 'refs/heads/release/1.2' })).outcome).toBe(
      'accepted',
    );
    const deep = decide(t, SECRET, delivery('github', 'push', { ...PUSH, ref: 'refs/heads/release/1.2/x' }));
    expect(deep).toMatchObject({
      outcome: 'filtered',
      reason: 'branch "release/1.2/x" matches none of main, release/*',
    });
    expect(decide(t, SECRET, delivery('github', 'issues', PUSH))).toMatchObject({
      outcome: 'filtered',
      reason: 'event "issues" is not one of push, pull_request',
    });
  });

  it('the CEL filter sees the body as data', () => {
    const skip = { ...PUSH, head_commit: { message: "docs [skip ci] ') || true || ('" } };
    expect(decide(t, SECRET, delivery('github', 'push', skip))).toMatchObject({
      outcome: 'filtered',
      reason: expect.stringMatching(/is false$/),
    });
    const noCommit = decide(t, SECRET, delivery('github', 'push', { ...PUSH, head_commit: undefined }));
    expect(noCommit).toMatchObject({
      outcome: 'filtered',
      reason: expect.stringMatching(/failed: field not found: head_commit/),
    });
  });

  it('a pull request is matched on its target branch, for each forge', () => {
    const gh = {
      pull_request: { base: { ref: 'main' }, head: { sha: 'c'.repeat(40) } },
      repository: { full_name: 'acme/web' },
    };
    const prTrigger = trigger('events: [pull_request]\nbranches: [main]');
    expect(decide(prTrigger, SECRET, delivery('github', 'pull_request', gh))).toMatchObject({
      outcome: 'accepted',
      facts: { event: 'pull_request', branch: 'main', sha: 'c'.repeat(40), repo: 'acme/web' },
    });
    const gl = {
      object_attributes: { target_branch: 'main', last_commit: { id: 'd'.repeat(40) } },
      project: { id: 42 },
    };
    expect(
      decide(
        trigger('events: [pull_request]\nbranches: [main]', 'gitlab'),
        SECRET,
        delivery('gitlab', 'Merge Request Hook', gl),
      ),
    ).toMatchObject({
      outcome: 'accepted',
      facts: { event: 'pull_request', branch: 'main', sha: 'd'.repeat(40), repo: '42' },
    });
  });

  it('a tag push is the tag event, not a branch', () => {
    const tagged = decide(
      trigger('events: [tag]\nbranches: [main]'),
      SECRET,
      delivery('github', 'push', { ...PUSH, ref: 'refs/tags/v1.0' }),
    );
    expect(tagged).toMatchObject({ outcome: 'accepted', facts: { event: 'tag', tag: 'v1.0', branch: '' } });
  });
});

describe('params and concurrency', () => {
  const t = trigger(`params:
  revision: $(body.after)
  repo-url: $(body.repository.clone_url)
  title: "push of $(delivery.branch) by $(header.X-GitHub-Event)"
concurrency: { group: "web-$(params.revision)", cancelInProgress: true }`);

  it('reads params from the body, headers and the delivery, and the group from the params', () => {
    const d = decide(t, SECRET, delivery('github', 'push', PUSH));
    expect(d).toMatchObject({
      outcome: 'accepted',
      params: { revision: PUSH.after, 'repo-url': PUSH.repository.clone_url, title: 'push of main by push' },
      group: `web-${PUSH.after}`,
    });
  });

  it('a param the payload lacks filters the delivery out, naming it', () => {
    const d = decide(t, SECRET, delivery('github', 'push', { ...PUSH, after: undefined }));
    expect(d).toMatchObject({ outcome: 'filtered', reason: '$(body.after) is not in the delivery' });
  });

  it('a delivery without an id is named by its body digest', () => {
    const { raw, headers } = delivery('github', 'push', PUSH);
    delete (headers as Record<string, string>)['x-github-delivery'];
    expect(decide(t, SECRET, { raw, headers }).deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

it('fuzz: any body and headers give a decision, never an exception', () => {
  const rng = seededRandom(1717);
  const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)]!;
  const t = trigger(`events: [push]
branches: ["release/**"]
filter: { cel: "body.n > 2 || header['x-a'] == 'b'" }
params: { a: $(body.after), b: "x-$(body.list.1)-$(header.x-a)" }
concurrency: { group: "$(params.a)" }`);
  const leaf = () =>
    pick<unknown>(['refs/heads/release/1', 'refs/tags/v1', 3, -1, 2.5, null, true, [], {}, 'x'.repeat(300)]);
  const value = (depth: number): unknown =>
    depth > 3 || rng() < 0.3
      ? leaf()
      : rng() < 0.3
        ? [value(depth + 1), value(depth + 1)]
        : Object.fromEntries(
            ['ref', 'after', 'n', 'list', 'pull_request', 'base', 'head']
              .filter(() => rng() < 0.4)
              .map((k) => [k, value(depth + 1)]),
          );
  for (let i = 0; i < 500; i++) {
    const raw = Buffer.from(rng() < 0.1 ? '{"ref": ' : JSON.stringify(value(0)));
    const headers: Record<string, string | string[]> = {
      'x-github-event': pick(['push', 'pull_request', '', 'create']),
      'x-a': pick(['b', 'c']),
    };
    if (rng() < 0.8) Object.assign(headers, signDelivery('github', raw, SECRET));
    if (rng() < 0.2) headers['x-hub-signature-256'] = [pick(['sha256=00', 'md5=1']), 'sha256=ab'];
    if (rng() < 0.3) headers['x-github-delivery'] = pick(['', 'x'.repeat(500), 'a\u0000b', 'ok']);
    const d = decide(t, SECRET, { raw, headers });
    expect(['accepted', 'filtered', 'refused']).toContain(d.outcome);
  }
});
