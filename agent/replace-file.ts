// One way to write a small file a reader may open at any moment (the agent's state and answer files).
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Writes a file whole or not at all (a temporary file renamed over it): readers never see half. */
export function replaceFile(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    // A half-written temporary file is nothing: leave none behind (the first error is the one to tell).
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* the write's error says more */
    }
    throw err;
  }
}
