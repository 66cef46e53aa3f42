/**
 * The include and exclude lists of a watch: a small glob dialect (`*` within a name, `**` across
 * `/`, `?` one character). A pattern without `/` matches a single name; one with `/` matches the
 * path relative to the watched directory.
 */
import { DEFAULT_WATCH_EXCLUDES, PaddockError } from '@paddock/protocol';

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` may match no directory at all, so `**/a` matches `a` too.
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

interface Pattern {
  re: RegExp;
  /** Matched against the relative path (true) or against single names (false). */
  whole: boolean;
}

const compile = (globs: readonly string[]): Pattern[] =>
  globs.map((g) => ({ re: globToRegExp(g.replace(/^\/+/, '')), whole: g.includes('/') }));

export interface PathFilter {
  /** Left out: no event, and a directory's subtree is not watched. `rel` is root-relative. */
  excluded: (rel: string) => boolean;
  /** Reported (when not excluded). */
  included: (rel: string) => boolean;
}

export function pathFilter(include?: string[], exclude?: string[]): PathFilter {
  if (include?.length && exclude?.length) {
    throw new PaddockError(
      'VALIDATION_FAILED',
      'body.include and body.exclude cannot be combined',
      {
        field: 'body.include',
      },
    );
  }
  const ex = compile(exclude ?? DEFAULT_WATCH_EXCLUDES);
  const inc = include?.length ? compile(include) : undefined;
  return {
    excluded: (rel) => {
      const names = rel.split('/');
      // Any ancestor matching excludes the path, as its directory is not followed.
      const prefixes = names.map((_, i) => names.slice(0, i + 1).join('/'));
      return ex.some((p) => (p.whole ? prefixes : names).some((s) => p.re.test(s)));
    },
    included: (rel) => {
      if (!inc) return true;
      const name = rel.slice(rel.lastIndexOf('/') + 1);
      return inc.some((p) => p.re.test(p.whole ? rel : name));
    },
  };
}
