// Tekton's credential initialization on the host engine: the files a task run's ServiceAccount's
// Secrets give (syntax credentialFiles) are written into the task run's directories standing for
// /tekton/creds (`$(credentials.path)`) and /tekton/home, the steps' $HOME then (layout.ts). Files
// 0600 and directories 0700, as Tekton writes them: ssh refuses a key that others can read.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { credentialFiles, type TektonCredentials } from '../../syntax/index.js';
import { tektonCredsDir, tektonHomeDir } from './tekton-paths.js';

/** `root`: the task run's directory here; `seenRoot`: as its steps see it (ssh's config names keys by path). */
export async function writeCredentials(credentials: TektonCredentials, root: string, seenRoot: string): Promise<void> {
  const files = Object.entries(credentialFiles(credentials, tektonCredsDir(seenRoot)));
  for (const dir of [tektonCredsDir(root), tektonHomeDir(root)])
    for (const [path, text] of files) {
      await mkdir(dirname(join(dir, path)), { recursive: true, mode: 0o700 });
      await writeFile(join(dir, path), text, { mode: 0o600 });
    }
}
