// The UI's server side: the static page and script (no token, no data, a strict CSP), the bundled
// script matching its sources, and `kiln collector` printing where the UI is.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webUiLine } from '../../../collector/index.js';
import { bundleBrowserApp, GENERATED_FILE, generatedModule } from '../../../collector/ui/bundle.js';
import { UI_CSP } from '../../../collector/ui/routes.js';
import { seedRecords, startUi, type Ui } from './fixture.js';

const ROOT = join(import.meta.dirname, '../../..');

describe('UI routes', () => {
  let ui: Ui;
  beforeAll(async () => {
    ui = await startUi();
    await ui.seedRun(seedRecords()[0]);
  });
  afterAll(async () => {
    await ui?.close();
  });

  it('serves the page, script and style without a token, with no run data, under a strict CSP', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/ui/app.js', 'text/javascript'],
      ['/ui/app.css', 'text/css'],
    ]) {
      const res = await request(`${ui.collector.url}${path}`);
      const body = await res.body.text();
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain(type);
      expect(res.headers['content-security-policy']).toBe(UI_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(body).not.toContain('web-app-1');
      expect(body).not.toContain(ui.collector.readerToken);
    }
    expect(UI_CSP).toContain("script-src 'self';");
    // The data stays behind the token.
    expect((await request(`${ui.collector.url}/v1/runs`)).statusCode).toBe(401);
  });

  it('serves the script bundled from the current sources (run `npx tsx collector/ui/bundle.ts` when this fails)', async () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(generatedModule(await bundleBrowserApp()));
  });
});

describe('kiln collector', () => {
  it('prints the web UI address; the token only when a person is at the terminal', () => {
    expect(
      webUiLine({ url: 'http://127.0.0.1:8790', readerToken: 'a+b/c', tokenSource: '.kiln/reader-token', tty: true }),
    ).toBe('web UI: http://127.0.0.1:8790/#token=a%2Bb%2Fc');
    const piped = webUiLine({
      url: 'http://127.0.0.1:8790',
      readerToken: 'secret-token',
      tokenSource: '.kiln/reader-token',
      tty: false,
    });
    expect(piped).not.toContain('secret-token');
    expect(piped).toContain('.kiln/reader-token');
  });

  it('as a process: the printed address serves the UI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-ui-cli-'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/entry.ts',
        'collector',
        '--listen',
        '127.0.0.1:0',
        '--state-dir',
        dir,
        '--db',
        `sqlite:${join(dir, 'kiln.db')}`,
      ],
      { cwd: ROOT, env: { ...process.env, KILN_TOKEN: '' } },
    );
    try {
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d) => {
          stderr += d;
          if (/web UI: .*\n/.test(stderr)) resolve();
        });
        child.on('close', (code) => reject(new Error(`kiln collector exited with ${code}: ${stderr}`)));
      });
      const m = /kiln collector: web UI: (http:\/\/127\.0\.0\.1:\d+)\/ \(paste the reader token from (\S+),/.exec(
        stderr,
      );
      expect(m, stderr).not.toBeNull();
      expect(m![2]).toBe(join(dir, 'reader-token'));
      const res = await request(`${m![1]}/`);
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toContain('<script type="module" src="/ui/app.js">');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'close');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
