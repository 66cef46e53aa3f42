/**
 * The neighbour test: while one sandbox runs a fork bomb, a memory hog, a disk fill and an output
 * flood (each in turn), a neighbour's exec latency is measured and printed (median before and
 * during, ratio). Asserted only: the neighbour still answers and the abuser hit its limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddock, PaddockError, getSandbox, type Sandbox } from '@paddock/sdk';
import { removeDataDir, startDaemon, type TestDaemon } from './harness.js';

type Outcome = { ok: true; stdout: string; truncated: boolean } | { ok: false; code: string };

interface Abuse {
  name: string;
  command: string;
  /** Whether the abuser's outcome shows it hit its limit. */
  hitLimit: (o: Outcome, state: string) => boolean;
}

const ABUSES: Abuse[] = [
  {
    name: 'fork bomb',
    command:
      'bomb() { bomb | bomb & }; bomb; SECONDS=0; while ((SECONDS < 6)); do :; done; ' +
      'shopt -s nullglob; p=(/proc/[0-9]*); echo "procs=${#p[@]}"',
    hitLimit: (o, state) =>
      o.ok ? Number(/procs=(\d+)/.exec(o.stdout)?.[1]) <= 128 : state === 'failed',
  },
  {
    name: 'memory hog',
    command:
      'for i in 1 2 3 4 5; do python3 -c "x = []\nwhile True: x.append(bytearray(16 << 20))"; ' +
      'echo "exit=$?"; done',
    hitLimit: (o, state) => (o.ok ? /exit=137/.test(o.stdout) : state === 'failed'),
  },
  {
    name: 'disk fill',
    command: 'dd if=/dev/zero of=/workspace/fill bs=1M count=2048 2>&1; sync; echo done',
    hitLimit: (o) => o.ok && /No space left on device/.test(o.stdout),
  },
  {
    name: 'output flood',
    command: 'timeout 6 yes flood; true',
    hitLimit: (o) => o.ok && o.truncated && o.stdout.length === 1024 * 1024,
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function latencies(sb: Sandbox, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    const r = await sb.exec('true');
    expect(r.exitCode).toBe(0);
    out.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return out;
}

describe.each([
  ['jail', '10.232.0.0/16'],
  ['gvisor', '10.233.0.0/16'],
])('neighbour latency under abuse (%s)', (backend, subnet) => {
  let daemon: TestDaemon;
  let client: Paddock;
  let neighbour: Sandbox;
  const rows: string[] = [];

  beforeAll(async () => {
    daemon = await startDaemon({ backend, subnet });
    client = new Paddock({ url: daemon.url, apiKey: daemon.apiKey });
    neighbour = getSandbox(client, 'neighbour');
    await neighbour.exec('true');
  });

  afterAll(async () => {
    console.log(`neighbour exec latency on ${backend} (ms):\n${rows.join('\n')}`);
    await neighbour?.destroy();
    await daemon?.stop();
    if (daemon) removeDataDir(daemon.dataDir);
  });

  it.each(ABUSES.map((a) => [a.name, a] as const))(
    'the neighbour answers through a %s, and the abuser hits its limit',
    async (_name, abuse) => {
      const before = await latencies(neighbour, 15);
      const abuser = getSandbox(client, `abuser-${abuse.name.replace(' ', '-')}`, {
        limits: { memoryMiB: 256, pids: 128, diskMiB: 256 },
      });
      try {
        await abuser.exec('true');
        const running = abuser
          .exec(abuse.command, { timeout: 60_000, outputLimit: 1024 * 1024 })
          .then(
            (r): Outcome => ({ ok: true, stdout: r.stdout, truncated: r.truncated === true }),
            (e: unknown): Outcome => ({ ok: false, code: PaddockError.is(e) ? e.code : String(e) }),
          );
        await new Promise((r) => setTimeout(r, 1000));
        const during = await latencies(neighbour, 15);
        const outcome = await running;
        const state = (await abuser.info()).state;
        const [mb, md] = [median(before), median(during)];
        rows.push(
          `  ${abuse.name.padEnd(13)} before ${mb.toFixed(1).padStart(7)}  during ${md
            .toFixed(1)
            .padStart(7)}  ratio ${(md / mb).toFixed(2)}  abuser: ${
            outcome.ok ? 'contained' : outcome.code
          } (${state})`,
        );
        expect(abuse.hitLimit(outcome, state)).toBe(true);
        expect((await neighbour.exec('echo alive')).stdout).toBe('alive\n');
      } finally {
        await abuser.destroy();
      }
    },
  );
});
