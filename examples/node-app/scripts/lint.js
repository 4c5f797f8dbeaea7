// A small linter (picocolors, the one dependency, colours its report): trailing whitespace, tabs and `var` are errors.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pc from 'picocolors';

const rules = [
  [/[ \t]+$/, 'trailing whitespace'],
  [/\t/, 'tab character'],
  [/\bvar\s/, 'use let or const instead of var'],
];
let problems = 0;
for (const dir of ['src', 'test', 'scripts']) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const path = join(dir, file);
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const [pattern, message] of rules) {
          if (pattern.test(line)) {
            console.error(`${pc.bold(`${path}:${i + 1}`)}: ${pc.red(message)}`);
            problems++;
          }
        }
      });
  }
}
console.log(problems ? `${problems} problem(s)` : 'lint: no problems');
process.exit(problems ? 1 : 0);
