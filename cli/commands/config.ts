// `kiln config set KEY VALUE`, `kiln config get [KEY]`, `kiln config unset KEY`: the settings file.
import type { Command } from 'commander';
import { checkKey, CONFIG_KEYS, configPath, readConfig, writeConfig } from '../config.js';

const keyList = Object.entries(CONFIG_KEYS)
  .map(([k, env]) => `${k} (${env})`)
  .join(', ');

export function registerConfig(program: Command): void {
  const config = program
    .command('config')
    .description(
      `settings kept in $XDG_CONFIG_HOME/kiln/config.yaml (~/.config/kiln/…), used when the environment does not set them: ${keyList}`,
    );
  config
    .command('set')
    .description('store a setting')
    .argument('<key>', Object.keys(CONFIG_KEYS).join(', '))
    .argument('<value>', 'its value')
    .action((key: string, value: string) => {
      writeConfig(checkKey(key), value);
      process.stderr.write(`kiln: ${key} set in ${configPath()}\n`);
    });
  config
    .command('unset')
    .description('remove a setting')
    .argument('<key>', Object.keys(CONFIG_KEYS).join(', '))
    .action((key: string) => {
      writeConfig(checkKey(key), undefined);
    });
  config
    .command('get')
    .description('print one setting, or every one as KEY: VALUE')
    .argument('[key]', Object.keys(CONFIG_KEYS).join(', '))
    .action((key?: string) => {
      const values = readConfig();
      if (key === undefined) {
        for (const [k, v] of Object.entries(values)) process.stdout.write(`${k}: ${v}\n`);
        return;
      }
      const value = values[checkKey(key)];
      if (value === undefined) {
        process.stderr.write(`kiln: ${key} is not set in ${configPath()}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${value}\n`);
    });
}
