// Tekton's artifacts in the agent: an earlier step's artifact values replace its reference in a
// text and in a script file of the task run (rewritten to a copy, the original left alone); one
// not found stays as written, said once per reference. Real directories laid out as a task run's.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replaceStepArtifacts, withScriptArtifacts } from '../../../agent/entrypoint/step-artifacts.js';
import { kilnPaths } from '../../../contract/index.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function taskRun() {
  const root = mkdtempSync(join(tmpdir(), 'kiln-step-artifacts-'));
  dirs.push(root);
  const paths = kilnPaths(root);
  mkdirSync(join(paths.stepsDir, 'make', 'artifacts'), { recursive: true });
  mkdirSync(join(paths.stepsDir, 'use', 'artifacts'), { recursive: true });
  mkdirSync(paths.scriptsDir, { recursive: true });
  writeFileSync(
    paths.stepArtifactsFile('make'),
    JSON.stringify({ outputs: [{ name: 'image', values: [{ uri: 'pkg:oci/app' }] }], inputs: [] }),
  );
  return paths;
}

describe('artifacts in the agent', () => {
  it("replaces an earlier step's artifact by the JSON of its values, leaving one not found", () => {
    const paths = taskRun();
    const warnings: string[] = [];
    const text = 'a=$(steps.make.outputs.image) b=$(steps.make.inputs.source) c=$(steps.gone.outputs.x)';
    expect(replaceStepArtifacts(text, paths.stepsDir, (m) => warnings.push(m))).toBe(
      'a=[{"uri":"pkg:oci/app"}] b=$(steps.make.inputs.source) c=$(steps.gone.outputs.x)',
    );
    expect(warnings).toEqual([
      'step "make" wrote no inputs artifact "source": $(steps.make.inputs.source) is left as written',
      'step "gone" wrote no outputs artifact "x": $(steps.gone.outputs.x) is left as written',
    ]);
  });

  it('runs a copy of a script that reads artifacts; other arguments and scripts stay', () => {
    const paths = taskRun();
    const script = paths.scriptFile(1);
    writeFileSync(script, "echo '$(steps.make.outputs.image)'\n");
    writeFileSync(paths.scriptFile(2), 'echo plain\n');
    const command = withScriptArtifacts([script, 'arg'], paths.stepsDir, 'use', () => undefined);
    expect(command).toEqual([join(paths.stepsDir, 'use', 'artifacts', 'script'), 'arg']);
    expect(readFileSync(command[0]!, 'utf8')).toBe('echo \'[{"uri":"pkg:oci/app"}]\'\n');
    expect(readFileSync(script, 'utf8')).toBe("echo '$(steps.make.outputs.image)'\n");
    expect(withScriptArtifacts([paths.scriptFile(2)], paths.stepsDir, 'use', () => undefined)).toEqual([
      paths.scriptFile(2),
    ]);
  });
});
