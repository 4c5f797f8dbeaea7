// Where a cache path lives on this machine: `~` is the step's HOME, a relative path is inside the
// workspace (and may not climb out of it), an absolute path is itself.
import { isAbsolute, relative, resolve } from 'node:path';
import { CachePathError } from './errors.js';

export function resolveCachePath(path: string, workspace: string, home: string | undefined): string {
  if (!path.trim()) throw new CachePathError('cache path is empty', path);
  if (path === '~' || path.startsWith('~/')) {
    if (!home)
      throw new CachePathError(
        `cache path "${path}" starts with ~ but the step has no HOME`,
        path,
        'set HOME in the step env or write an absolute path',
      );
    return resolve(home, path.slice(2));
  }
  if (path.startsWith('~'))
    throw new CachePathError(`cache path "${path}": ~user is not supported`, path, 'write ~/… or an absolute path');
  if (isAbsolute(path)) return resolve(path);
  const abs = resolve(workspace, path);
  const rel = relative(workspace, abs);
  if (rel === '..' || rel.startsWith('../')) {
    throw new CachePathError(
      `cache path "${path}" leaves the workspace ${workspace}`,
      path,
      'write a path inside the workspace, or an absolute one',
    );
  }
  if (rel === '')
    throw new CachePathError(
      `cache path "${path}" is the whole workspace`,
      path,
      'cache the dependency directories, not the checkout',
    );
  return abs;
}
