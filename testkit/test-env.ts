// vitest's setupFiles: every test file (and every `kiln` it spawns) starts from an environment
// that names no collector, token, store or config of the developer's, so no test can read or
// write the developer's own history or settings.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

for (const name of ['KILN_COLLECTOR', 'KILN_COLLECTOR_SECRET', 'KILN_TOKEN', 'KILN_DATABASE_URL'])
  delete process.env[name];
process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'kiln-test-config-'));
