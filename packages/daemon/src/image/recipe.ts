/**
 * The guest image recipe. The image is rebuilt only when the recipe's hash changes; the agent is
 * installed into it separately (a file copy), keyed by the agent bundle's own hash.
 */
import { createHash } from 'node:crypto';

export interface ImageRecipe {
  suite: string;
  variant: string;
  mirror: string;
  packages: readonly string[];
  /** Host id the image's uid/gid 0 is shifted to (the jail's user namespace base). */
  hostIdBase: number;
  /** Bump when the build steps change in a way the fields above do not show. */
  builderVersion: number;
}

export const DEFAULT_PACKAGES = [
  'bash',
  'coreutils',
  'procps',
  'iproute2',
  'python3',
  'git',
  'curl',
  'ca-certificates',
  'nodejs',
  'tini',
  'less',
  'file',
  // The code interpreter: rich Python results and TypeScript transpiled in the guest.
  'python3-matplotlib',
  'python3-numpy',
  'python3-pandas',
  'node-typescript',
] as const;

export function defaultRecipe(mirror: string, hostIdBase: number): ImageRecipe {
  return {
    suite: 'bookworm',
    variant: 'minbase',
    mirror,
    packages: DEFAULT_PACKAGES,
    hostIdBase,
    builderVersion: 2,
  };
}

export function recipeHash(recipe: ImageRecipe): string {
  const canonical = JSON.stringify({ ...recipe, packages: [...recipe.packages].sort() });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** mmdebstrap's argv for a recipe (pure, pinned by a test). */
export function mmdebstrapArgv(recipe: ImageRecipe, target: string): string[] {
  return [
    `--variant=${recipe.variant}`,
    `--include=${[...recipe.packages].sort().join(',')}`,
    // Recommends would pull in fonts, docs and toolchains the sandbox does not need.
    '--aptopt=APT::Install-Recommends "false"',
    '--dpkgopt=path-exclude=/usr/share/doc/*',
    '--dpkgopt=path-exclude=/usr/share/man/*',
    '--dpkgopt=path-exclude=/usr/share/locale/*',
    '--dpkgopt=path-include=/usr/share/doc/*/copyright',
    '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin',
    '--customize-hook=mkdir -p "$1"/workspace "$1"/opt/paddock',
    '--customize-hook=echo sandbox > "$1"/etc/hostname',
    recipe.suite,
    target,
    recipe.mirror,
  ];
}
