/**
 * Resource exhaustion on every backend: a fork bomb, a memory hog, a disk fill, inode and file
 * descriptor exhaustion and an output flood, each in a victim sandbox of its own (256 MiB memory
 * and disk, 128 pids). The victim hits its limit (the jail contains the offender; gVisor may end
 * the whole sandbox, which the daemon must then report as failed) while the daemon and a
 * neighbour sandbox keep answering. The neighbour's exec latency during each attack is printed
 * beside its baseline, never asserted on.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { PaddockError, getSandbox, type Paddock, type Sandbox } from '@paddock/sdk';
import { attack } from './results.js';
import { adminOf, daemons, type HostileDaemon } from './kit.js';

type ExecOutcome = Awaited<ReturnType<Sandbox['exec']>>;
const LIMITS = { memoryMiB: 256, pids: 128, diskMiB: 256 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function latency(sb: Sandbox): Promise<number> {
  const started = performance.now();
  const r = await sb.exec('echo neighbour');
  expect(r.stdout).toBe('neighbour\n');
  return performance.now() - started;
}

describe.each(daemons())('exhaustion: $backend', (d: HostileDaemon) => {
  let client: Paddock;
  let neighbour: Sandbox;
  let baseline = 0;

  beforeAll(async () => {
    client = adminOf(d);
    neighbour = getSandbox(client, 'hostile-neighbour');
    await neighbour.exec('true');
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) samples.push(await latency(neighbour));
    baseline = median(samples);
  });

  afterAll(async () => {
    await neighbour?.destroy();
  });

  /**
   * Runs `command` in a fresh victim while probing the neighbour; returns the victim's result,
   * or undefined when the backend ended the whole victim (checked to be reported `failed`).
   */
  async function underAttack(
    id: string,
    command: string,
    inside: (r: ExecOutcome, victim: Sandbox) => Promise<string> | string,
    limits: typeof LIMITS = LIMITS,
  ): Promise<string> {
    const victim = getSandbox(client, `hostile-victim-${id.toLowerCase()}`, { limits });
    await victim.exec('true');
    try {
      let done = false;
      const during: number[] = [];
      const run = victim
        .exec(command, { timeout: 60_000 })
        .catch((e: unknown) => e)
        .finally(() => (done = true));
      while (!done) {
        during.push(await latency(neighbour));
        await new Promise((r) => setTimeout(r, 250));
      }
      const r = await run;
      console.log(
        `[${d.backend}] ${id}: neighbour exec ${baseline.toFixed(0)} ms at rest, ` +
          `${median(during).toFixed(0)} ms median / ${Math.max(...during).toFixed(0)} ms max ` +
          `during (${during.length} probes)`,
      );
      expect((await client.health()).status).toBe('ok');
      expect(await latency(neighbour)).toBeGreaterThan(0);
      if (PaddockError.is(r)) {
        // Only gVisor may end the whole sandbox, and then the daemon must say so.
        expect(d.backend).toBe('gvisor');
        expect(r.code).toBe('SANDBOX_UNAVAILABLE');
        const info = await victim.info();
        expect(info.state).toBe('failed');
        return `sandbox ended, reported failed (${info.stateReason ?? 'no reason'})`;
      }
      if (r instanceof Error) throw r;
      return await inside(r as ExecOutcome, victim);
    } finally {
      await victim.destroy();
    }
  }

  attack(d.backend, {
    id: 'H-EXH-01',
    category: 'exhaustion',
    title: 'fork bomb',
    run: () =>
      underAttack(
        'H-EXH-01',
        'bomb() { bomb | bomb & }; bomb; SECONDS=0; while ((SECONDS < 4)); do :; done; ' +
          'shopt -s nullglob; p=(/proc/[0-9]*); echo "procs=${#p[@]}"',
        (r) => {
          const procs = Number(/procs=(\d+)/.exec(r.stdout)?.[1]);
          expect(procs).toBeGreaterThan(20);
          expect(procs).toBeLessThanOrEqual(LIMITS.pids);
          return `held at the pids limit (${procs} processes of ${LIMITS.pids})`;
        },
      ),
  });

  attack(d.backend, {
    id: 'H-EXH-02',
    category: 'exhaustion',
    title: 'memory hog',
    run: () =>
      underAttack(
        'H-EXH-02',
        'python3 -c "x = []\nwhile True: x.append(bytearray(16 * 1024 * 1024))"',
        (r) => {
          expect(r).toMatchObject({ success: false, exitCode: 137 });
          return 'OOM-killed at the memory limit (exit 137)';
        },
      ),
  });

  attack(d.backend, {
    id: 'H-EXH-03',
    category: 'exhaustion',
    title: 'disk fill',
    run: () =>
      underAttack(
        'H-EXH-03',
        'dd if=/dev/zero of=/workspace/fill bs=1M count=1024 2>&1; echo rc=$?',
        async (r, victim) => {
          expect(r.stdout).toMatch(/No space left on device/);
          const err = await victim
            .writeFile('/workspace/more.bin', new Uint8Array(8 * 1024 * 1024))
            .catch((e: unknown) => e);
          expect((err as PaddockError).code).toBe('NO_SPACE');
          return 'ENOSPC at the disk quota; file API NO_SPACE';
        },
      ),
  });

  attack(d.backend, {
    id: 'H-EXH-04',
    category: 'exhaustion',
    title: 'inode exhaustion (empty files until the disk has no inode left)',
    timeout: 180_000,
    run: () =>
      underAttack(
        'H-EXH-04',
        "python3 -c \"\nimport os\nos.makedirs('/workspace/i', exist_ok=True)\nn = 0\n" +
          "try:\n  while n < 2000000:\n    os.close(os.open('/workspace/i/%d' % n, os.O_CREAT | os.O_WRONLY)); n += 1\n" +
          "except OSError as e:\n  print('stopped', n, os.strerror(e.errno))\n\"; df -i /workspace | tail -1",
        (r) => {
          expect(r.stdout).toMatch(/stopped \d+ No space left on device/);
          const n = Number(/stopped (\d+)/.exec(r.stdout)?.[1]);
          return `ENOSPC after ${n} files (the disk's inode table)`;
        },
        // The smallest disk: fewest inodes to fill.
        { ...LIMITS, diskMiB: 64 },
      ),
  });

  attack(d.backend, {
    id: 'H-EXH-05',
    category: 'exhaustion',
    title: 'fd exhaustion (16 processes open files until refused; raise the hard limit)',
    run: () =>
      underAttack(
        'H-EXH-05',
        'for i in $(seq 16); do python3 -c "\nimport os, resource\nfds = []\ntry:\n' +
          '  resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20))\nexcept (OSError, ValueError) as e:\n' +
          "  print('raise', type(e).__name__)\ntry:\n  while True: fds.append(os.open('/dev/null', os.O_RDONLY))\n" +
          "except OSError as e:\n  print('stopped', len(fds), os.strerror(e.errno))\n\" & done; wait",
        (r) => {
          const stops = [...r.stdout.matchAll(/stopped (\d+) Too many open files/g)];
          expect(stops.length).toBe(16);
          expect(r.stdout).toMatch(/raise (PermissionError|ValueError)/);
          const max = Math.max(...stops.map((m) => Number(m[1])));
          expect(max).toBeLessThanOrEqual(4096);
          return `EMFILE at ${max} fds per process; raising the limit refused`;
        },
      ),
  });

  attack(d.backend, {
    id: 'H-EXH-06',
    category: 'exhaustion',
    title: 'output flood (128 MiB to stdout, and an endless stream)',
    run: async () => {
      const kept = await underAttack(
        'H-EXH-06',
        'head -c 134217728 /dev/zero | tr "\\0" x',
        (r) => {
          expect(r.truncated).toBe(true);
          expect(r.stdout.length).toBeLessThanOrEqual(16 * 1024 * 1024);
          return `kept ${(r.stdout.length / 1048576).toFixed(0)} MiB, truncated`;
        },
      );
      const flood = getSandbox(client, 'hostile-victim-flood', { limits: LIMITS });
      let got = 0;
      try {
        for await (const ev of flood.execStream('yes flood')) {
          if (ev.type === 'stdout') got += ev.data.length;
          // Under the 16 MiB kept per stream: the command is still pouring when the reader leaves.
          if (got > 8 * 1024 * 1024) break;
        }
        const left = await flood.exec('pgrep -x yes || echo none');
        expect(left.stdout.trim()).toBe('none');
      } finally {
        await flood.destroy();
      }
      return `${kept}; stream reader left after 8 MiB: command killed`;
    },
  });
});
