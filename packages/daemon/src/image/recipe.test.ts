import { describe, expect, it } from 'vitest';
import { defaultRecipe, mmdebstrapArgv, recipeHash } from './recipe.js';

describe('image recipe', () => {
  const recipe = defaultRecipe('http://deb.debian.org/debian', 1_000_000);

  it('pins the mmdebstrap command line', () => {
    expect(mmdebstrapArgv(recipe, '/img/rootfs')).toEqual([
      '--variant=minbase',
      '--include=bash,ca-certificates,coreutils,curl,file,git,iproute2,less,node-typescript,nodejs,procps,python3,python3-matplotlib,python3-numpy,python3-pandas,tini',
      '--aptopt=APT::Install-Recommends "false"',
      '--dpkgopt=path-exclude=/usr/share/doc/*',
      '--dpkgopt=path-exclude=/usr/share/man/*',
      '--dpkgopt=path-exclude=/usr/share/locale/*',
      '--dpkgopt=path-include=/usr/share/doc/*/copyright',
      '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin',
      '--customize-hook=mkdir -p "$1"/workspace "$1"/opt/paddock',
      '--customize-hook=echo sandbox > "$1"/etc/hostname',
      'bookworm',
      '/img/rootfs',
      'http://deb.debian.org/debian',
    ]);
  });

  it('changes its hash when the recipe changes, not when package order does', () => {
    const h = recipeHash(recipe);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(recipeHash({ ...recipe, packages: [...recipe.packages].reverse() })).toBe(h);
    expect(recipeHash({ ...recipe, packages: [...recipe.packages, 'jq'] })).not.toBe(h);
    expect(recipeHash({ ...recipe, hostIdBase: 2_000_000 })).not.toBe(h);
  });
});
