/**
 * Build (once) and keep the guest image: a Debian root filesystem from Debian's packages with the
 * bundled agent installed. Builds in a temporary directory and renames into place, so an
 * interrupted build leaves no half image, and a second run finds the image and does nothing.
 */
import { createHash } from 'node:crypto';
import { chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shiftOwners } from '../host/idshift.js';
import { runStreaming } from '../host/run.js';
import { mmdebstrapArgv, recipeHash, type ImageRecipe } from './recipe.js';

export interface ImageRequest {
  imageDir: string;
  recipe: ImageRecipe;
  agentBundle: string;
  progress: (line: string) => void;
}

export interface ImageResult {
  rootfs: string;
  built: boolean;
  agentInstalled: boolean;
  buildMs: number;
}

export function imageLocation(imageDir: string, recipe: ImageRecipe) {
  const dir = join(imageDir, `${recipe.suite}-${recipeHash(recipe)}`);
  return { dir, rootfs: join(dir, 'rootfs'), manifest: join(dir, 'manifest.json') };
}

export async function ensureImage(req: ImageRequest): Promise<ImageResult> {
  const loc = imageLocation(req.imageDir, req.recipe);
  const started = Date.now();
  const built = !(await exists(loc.manifest));
  if (built) await buildImage(req, loc.dir);
  else req.progress(`image ${loc.dir} is up to date`);
  const agentInstalled = await installAgent(loc.rootfs, req);
  return { rootfs: loc.rootfs, built, agentInstalled, buildMs: Date.now() - started };
}

async function buildImage(req: ImageRequest, finalDir: string): Promise<void> {
  await mkdir(req.imageDir, { recursive: true, mode: 0o755 });
  await removeStaleBuilds(req.imageDir);
  const tmp = `${finalDir}.build-${process.pid}`;
  try {
    req.progress(`building image with mmdebstrap (${req.recipe.packages.length} packages)`);
    await mkdir(tmp);
    await runStreaming('mmdebstrap', mmdebstrapArgv(req.recipe, join(tmp, 'rootfs')), req.progress);
    req.progress('shifting file owners for the sandbox user namespace');
    const files = await shiftOwners(join(tmp, 'rootfs'), req.recipe.hostIdBase);
    const manifest = { recipe: req.recipe, files, builtAt: new Date().toISOString() };
    await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(tmp, finalDir);
    req.progress(`image ready: ${finalDir}`);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function removeStaleBuilds(imageDir: string): Promise<void> {
  for (const name of await readdir(imageDir)) {
    if (name.includes('.build-')) await rm(join(imageDir, name), { recursive: true, force: true });
  }
}

/** Copy the agent bundle into the image when its hash differs; returns whether it did. */
async function installAgent(rootfs: string, req: ImageRequest): Promise<boolean> {
  const bundle = await readFile(req.agentBundle);
  const hash = createHash('sha256').update(bundle).digest('hex');
  const dir = join(rootfs, 'opt', 'paddock');
  const hashFile = join(dir, 'agent.sha256');
  const current = await readFile(hashFile, 'utf8').catch(() => '');
  if (current.trim() === hash) return false;
  const id = req.recipe.hostIdBase;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent.mjs.tmp'), bundle, { mode: 0o644 });
  await chown(join(dir, 'agent.mjs.tmp'), id, id);
  await rename(join(dir, 'agent.mjs.tmp'), join(dir, 'agent.mjs'));
  await writeFile(hashFile, `${hash}\n`, { mode: 0o644 });
  await chown(hashFile, id, id);
  req.progress(`agent installed (${bundle.length} bytes, sha256 ${hash.slice(0, 12)})`);
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
