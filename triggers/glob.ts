// Branch globs as GitHub Actions spells them: `*` any run of characters but `/`, `**` any run
// at all, `?` one character but `/`; everything else literal.

const cache = new Map<string, RegExp>();

export function globRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`^${out}$`);
  if (cache.size < 1000) cache.set(glob, re);
  return re;
}

export const matchesAny = (value: string, globs: string[]): boolean => globs.some((g) => globRegExp(g).test(value));
