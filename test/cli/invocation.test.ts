// How hints name kiln: `npx kiln` from this source checkout, `kiln` from an installed package
// (no sources beside its package.json) and from the images' single executable (no package.json).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kilnCommand } from '../../cli/invocation.js';
import { REPO } from '../../testkit/kiln-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-invocation-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('kilnCommand', () => {
  it('says npx kiln in the source checkout', () => {
    expect(kilnCommand(join(REPO, 'dist/kiln.mjs'))).toBe('npx kiln');
  });

  it('says kiln in an installed package, which ships dist/ and no sources', () => {
    const pkg = join(tmp, 'lib/node_modules/@kiln-ci/kiln');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{}');
    expect(kilnCommand(join(pkg, 'dist/kiln.mjs'))).toBe('kiln');
  });

  it('says kiln from a single executable with no package.json above it', () => {
    expect(kilnCommand('/opt/kiln/bin/kiln')).toBe('kiln');
  });
});
