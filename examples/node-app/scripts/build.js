// Builds app.js (the sources concatenated, imports stripped) into OUT_DIR and writes its sha256
// digest to DIGEST_FILE: `node scripts/build.js OUT_DIR DIGEST_FILE`.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [outDir = 'dist', digestFile] = process.argv.slice(2);
const code = ['src/slug.js', 'src/index.js']
  .map((f) => readFileSync(f, 'utf8').replace(/^import .*$/gm, ''))
  .join('\n');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'app.js'), code);
const digest = `sha256:${createHash('sha256').update(code).digest('hex')}`;
if (digestFile) writeFileSync(digestFile, digest);
console.log(`built app.js (${code.length} bytes) ${digest}`);
