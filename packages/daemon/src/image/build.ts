/**
 * Build (once) and keep the guest image: a Debian root filesystem from Debian's packages with the
 * bundled agent installed. Builds in a temporary directory and renames into place, so an
 * interrupted build leaves no half image, and a second run finds the image and does nothing.
 */
import { createHash } from 'node:crypto';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shiftOwners } from '../host/idshift.js';
import { run, runStreaming } from '../host/run.js';
import { mmdebstrapArgv, recipeHash, type ImageRecipe } from './recipe.js';
import { createBaseDisk, ensureVmImage, type VmImage } from './vm-image.js';

const STATX_SHIM_SOURCE = new URL('../../resources/guest/statx-shim.c', import.meta.url);

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
  /** The microVM's boot files, or why there are none (e.g. no guest kernel installed). */
  vm: VmImage | undefined;
  vmProblem?: string;
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
  await installStatxShim(loc.rootfs, req);
  const vm: Pick<ImageResult, 'vm' | 'vmProblem'> = await ensureVmImage({
    ...req,
    ...guestKernel(req.imageDir),
    imageDir: loc.dir,
  }).then(
    (image) => ({ vm: image }),
    (err: unknown) => ({
      vm: undefined,
      vmProblem: err instanceof Error ? err.message : String(err),
    }),
  );
  if (vm.vmProblem) req.progress(`microvm boot files unavailable: ${vm.vmProblem}`);
  return { rootfs: loc.rootfs, built, agentInstalled, buildMs: Date.now() - started, ...vm };
}

/**
 * Where the microVM's kernel comes from: Debian's cloud kernel package unpacked under the image
 * directory by scripts/deps.sh (installing it would add it to the host's boot menu), else the
 * host's own /boot.
 */
function guestKernel(imageDir: string): { bootDir?: string; modulesRoot?: string } {
  const dir = join(imageDir, 'guest-kernel');
  if (!existsSync(join(dir, 'boot'))) return {};
  return { bootDir: join(dir, 'boot'), modulesRoot: join(dir, 'lib', 'modules') };
}

async function buildImage(req: ImageRequest, finalDir: string): Promise<void> {
  await mkdir(req.imageDir, { recursive: true, mode: 0o755 });
  await removeStaleBuilds(req.imageDir);
  const tmp = `${finalDir}.build-${process.pid}`;
  try {
    req.progress(`building image with mmdebstrap (${req.recipe.packages.length} packages)`);
    await mkdir(tmp);
    // The daemon runs with umask 077; the jail's mapped root must traverse to the rootfs.
    await chmod(tmp, 0o755);
    await runStreaming('mmdebstrap', mmdebstrapArgv(req.recipe, join(tmp, 'rootfs')), req.progress);
    // The microVM's base keeps the original owners (its guest has no user namespace).
    req.progress('making the microvm base disk');
    await createBaseDisk(join(tmp, 'rootfs'), tmp);
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

/** Copy the agent bundle into the image when it differs; returns whether it did. */
async function installAgent(rootfs: string, req: ImageRequest): Promise<boolean> {
  const bundle = await readFile(req.agentBundle);
  const done = await installGuestFile(rootfs, 'agent.mjs', bundle, req.recipe.hostIdBase);
  if (done) req.progress(`agent installed (${bundle.length} bytes)`);
  return done;
}

/** Compile the gVisor statx shim (resources/guest) with the host's gcc when its source changed. */
async function installStatxShim(rootfs: string, req: ImageRequest): Promise<void> {
  const source = await readFile(STATX_SHIM_SOURCE);
  const stamp = join(rootfs, 'opt', 'paddock', 'statx-shim.source.sha256');
  const hash = sha256(source);
  if ((await readFile(stamp, 'utf8').catch(() => '')).trim() === hash) return;
  const tmp = await mkdtemp(join(tmpdir(), 'paddock-shim-'));
  try {
    const out = join(tmp, 'statx-shim.so');
    await run('gcc', ['-O2', '-shared', '-fPIC', '-o', out, fileURLToPath(STATX_SHIM_SOURCE)]);
    await installGuestFile(rootfs, 'statx-shim.so', await readFile(out), req.recipe.hostIdBase);
    await writeOwned(stamp, `${hash}\n`, req.recipe.hostIdBase);
    req.progress('gVisor statx shim compiled and installed');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Put a file under /opt/paddock in the image, atomically, owned by the sandbox's root; skipped
 * when the same bytes are there already. Returns whether it wrote.
 */
async function installGuestFile(
  rootfs: string,
  name: string,
  bytes: Buffer,
  owner: number,
): Promise<boolean> {
  const dir = join(rootfs, 'opt', 'paddock');
  const stamp = join(dir, `${name}.sha256`);
  const hash = sha256(bytes);
  if ((await readFile(stamp, 'utf8').catch(() => '')).trim() === hash) return false;
  await mkdir(dir, { recursive: true });
  await writeOwned(join(dir, `${name}.tmp`), bytes, owner);
  await rename(join(dir, `${name}.tmp`), join(dir, name));
  await writeOwned(stamp, `${hash}\n`, owner);
  return true;
}

async function writeOwned(path: string, content: string | Buffer, owner: number): Promise<void> {
  await writeFile(path, content, { mode: 0o644 });
  await chmod(path, 0o644);
  await chown(path, owner, owner);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
