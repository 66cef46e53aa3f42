/**
 * `paddock setup` and `paddock serve` are daemon operations. The CLI never imports daemon code:
 * it runs the `paddockd` executable with the same arguments, sharing the terminal, and hands
 * back its exit code or signal.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

/** How to start the daemon: `command ...prefix <verb> <args>`. */
export interface DaemonLauncher {
  command: string;
  prefix: string[];
}

/** Signals a process manager or terminal sends us that the daemon must see too. */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Find paddockd: $PADDOCK_DAEMON_BIN, else the workspace/npm sibling of this CLI
 * (`../../daemon/dist/main.js` from the CLI's real path), else `paddockd` on PATH.
 */
export function locateDaemon(
  env: NodeJS.ProcessEnv,
  cliPath: string | undefined,
): DaemonLauncher | undefined {
  const explicit = env['PADDOCK_DAEMON_BIN'];
  if (explicit) {
    if (!existsSync(explicit))
      throw new Error(`PADDOCK_DAEMON_BIN is ${explicit}, which does not exist.`);
    return launcherFor(explicit);
  }
  const sibling = cliPath ? siblingDaemon(cliPath) : undefined;
  if (sibling) return launcherFor(sibling);
  const onPath = findOnPath('paddockd', env['PATH'] ?? '');
  return onPath ? { command: onPath, prefix: [] } : undefined;
}

function siblingDaemon(cliPath: string): string | undefined {
  try {
    const candidate = resolve(dirname(realpathSync(cliPath)), '../../daemon/dist/main.js');
    return existsSync(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/** A .js entry runs under this Node, so it works without an executable bit or shebang. */
function launcherFor(path: string): DaemonLauncher {
  return /\.[cm]?js$/.test(path)
    ? { command: process.execPath, prefix: [path] }
    : { command: path, prefix: [] };
}

function findOnPath(name: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Run `paddockd <verb> <args>` in the foreground; resolves to the exit code to use. */
export async function runDaemon(verb: string, args: string[]): Promise<number> {
  const launcher = locateDaemon(process.env, process.argv[1]);
  if (!launcher) {
    throw new Error(
      'Cannot find the Paddock daemon (paddockd). Install it (npm install -g @paddock/daemon), ' +
        'or set PADDOCK_DAEMON_BIN to its path.',
    );
  }
  const child = spawn(launcher.command, [...launcher.prefix, verb, ...args], { stdio: 'inherit' });
  // A Ctrl-C in a terminal reaches the daemon directly as well; it must treat a repeated
  // signal like the first.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  try {
    const { code, signal } = await exited(child);
    if (signal) return dieLike(signal);
    return code ?? 1;
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  }
}

function exited(child: ReturnType<typeof spawn>) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    child.once('error', (e) => fail(new Error(`Could not start paddockd: ${e.message}`)));
    child.once('exit', (code, signal) => done({ code, signal }));
  });
}

/** Re-raise the daemon's fatal signal on ourselves, so our parent sees the same death. */
function dieLike(signal: NodeJS.Signals): number {
  for (const s of FORWARDED_SIGNALS) process.removeAllListeners(s);
  process.kill(process.pid, signal);
  return 128 + (osConstants.signals[signal] ?? 0);
}
