import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Paddock } from './client.js';
import {
  CommandTimeoutError,
  FileNotFoundError,
  PaddockError,
  SandboxNotFoundError,
} from './errors.js';
import { API_KEY, FakeDaemon, errorReply, sandboxInfo } from './fake-daemon.test.helper.js';
import { getSandbox } from './sandbox.js';

let daemon: FakeDaemon;
let paddock: Paddock;

beforeAll(async () => {
  daemon = await FakeDaemon.start();
  paddock = new Paddock({ url: daemon.url, apiKey: API_KEY });
});
afterAll(() => daemon.close());
afterEach(() => {
  daemon.requests.length = 0;
  daemon.sandboxes.clear();
  daemon.files.clear();
  daemon.override = undefined;
});

const creates = () => daemon.count('POST', '/v1/sandboxes');
const execs = (id: string) => daemon.count('POST', `/v1/sandboxes/${id}/exec`);

describe('create on first use', () => {
  it('POSTs once with the id and options, even for concurrent first calls', async () => {
    const sb = getSandbox(paddock, 'first', { limits: { memoryMiB: 128 }, env: { A: '1' } });
    expect(daemon.requests).toHaveLength(0); // getSandbox itself makes no request
    await Promise.all([sb.exec('true'), sb.exec('true'), sb.readFile('x').catch(() => null)]);
    expect(creates()).toBe(1);
    expect(daemon.requests[0]?.body).toEqual({
      id: 'first',
      limits: { memoryMiB: 128 },
      env: { A: '1' },
    });
    await sb.exec('true');
    expect(creates()).toBe(1);
  });

  it('reuses an existing sandbox when the create answers 409', async () => {
    daemon.sandboxes.set('taken', sandboxInfo('taken'));
    const result = await getSandbox(paddock, 'taken').exec('echo hi');
    expect(result.exitCode).toBe(0);
    expect(creates()).toBe(1);
    expect(execs('taken')).toBe(1);
  });

  it('does not cache a failed create', async () => {
    let fail = true;
    daemon.override = (r) =>
      r.path === '/v1/sandboxes' && fail ? errorReply('CAPACITY_EXHAUSTED', 'full') : undefined;
    const sb = getSandbox(paddock, 'retry');
    await expect(sb.exec('true')).rejects.toMatchObject({ code: 'CAPACITY_EXHAUSTED' });
    fail = false;
    await expect(sb.exec('true')).resolves.toMatchObject({ success: true });
    expect(creates()).toBe(2);
  });

  it('re-creates once and retries when the sandbox was destroyed elsewhere', async () => {
    const sb = getSandbox(paddock, 'gone');
    await sb.exec('true');
    daemon.sandboxes.delete('gone');
    await expect(sb.exec('true')).resolves.toMatchObject({ success: true });
    expect(creates()).toBe(2);
    expect(execs('gone')).toBe(3);
  });

  it('gives up after one re-create if the sandbox keeps vanishing', async () => {
    daemon.override = (r, id) =>
      r.path.endsWith('/exec') ? errorReply('SANDBOX_NOT_FOUND', `no sandbox "${id}"`) : undefined;
    const err = await getSandbox(paddock, 'flaky')
      .exec('true')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxNotFoundError);
    expect(creates()).toBe(2);
    expect(execs('flaky')).toBe(2);
  });

  it('never creates with createIfMissing: false', async () => {
    const sb = getSandbox(paddock, 'absent', { createIfMissing: false });
    await expect(sb.exec('true')).rejects.toBeInstanceOf(SandboxNotFoundError);
    expect(creates()).toBe(0);
  });
});

describe('exec', () => {
  it('sends command, env (without undefined values), cwd and timeout', async () => {
    const sb = getSandbox(paddock, 'ex');
    await sb.exec(['ls', '-la'], { env: { A: 'x', B: undefined }, cwd: '/tmp', timeout: 500 });
    const req = daemon.requests.find((r) => r.path.endsWith('/exec'));
    expect(req?.body).toEqual({
      command: ['ls', '-la'],
      env: { A: 'x' },
      cwd: '/tmp',
      timeout: 500,
    });
  });

  it('returns a non-zero exit as a result, not an error', async () => {
    daemon.override = (r) =>
      r.path.endsWith('/exec')
        ? {
            status: 200,
            body: { success: false, exitCode: 3, stdout: '', stderr: 'no', duration: 2 },
          }
        : undefined;
    await expect(getSandbox(paddock, 'nz').exec('exit 3')).resolves.toMatchObject({ exitCode: 3 });
  });

  it('throws CommandTimeoutError carrying the output so far', async () => {
    const details = { stdout: 'partial', stderr: 'warn', duration: 1001 };
    daemon.override = (r) =>
      r.path.endsWith('/exec')
        ? errorReply('COMMAND_TIMEOUT', 'killed after 1000 ms', details)
        : undefined;
    const err = await getSandbox(paddock, 'slow')
      .exec('sleep 9', { timeout: 1000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandTimeoutError);
    expect(err).toMatchObject({
      code: 'COMMAND_TIMEOUT',
      status: 408,
      stdout: 'partial',
      stderr: 'warn',
      duration: 1001,
    });
  });

  it('passes the caller signal through', async () => {
    daemon.override = (r) =>
      r.path.endsWith('/exec') ? { status: 200, body: {}, delayMs: 1000 } : undefined;
    const ctl = new AbortController();
    const pending = getSandbox(paddock, 'ab').exec('true', { signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error('stop')), 50);
    await expect(pending).rejects.toThrow('stop');
  });
});

describe('files', () => {
  it('sends bytes as base64 and strings as utf-8', async () => {
    const sb = getSandbox(paddock, 'fs');
    await sb.writeFile('bin', new Uint8Array([0, 255, 1, 128]));
    await sb.writeFile('txt', 'héllo');
    await sb.writeFile('b64', 'aGk=', { encoding: 'base64' });
    const bodies = daemon.requests
      .filter((r) => r.path.endsWith('/files/write'))
      .map((r) => r.body);
    expect(bodies).toEqual([
      { path: 'bin', content: 'AP8BgA==', encoding: 'base64' },
      { path: 'txt', content: 'héllo', encoding: 'utf-8' },
      { path: 'b64', content: 'aGk=', encoding: 'base64' },
    ]);
  });

  it('encodes only the viewed part of a Uint8Array', async () => {
    const whole = new Uint8Array([9, 1, 2, 9]);
    await getSandbox(paddock, 'view').writeFile('v', whole.subarray(1, 3));
    expect(daemon.requests.at(-1)?.body.content).toBe(Buffer.from([1, 2]).toString('base64'));
  });

  it('reads a file back with its encoding, and maps a missing file', async () => {
    const sb = getSandbox(paddock, 'rd');
    await sb.writeFile('a.txt', 'hi');
    await expect(sb.readFile('a.txt')).resolves.toEqual({
      path: 'a.txt',
      content: 'hi',
      encoding: 'utf-8',
      size: 2,
    });
    await expect(sb.readFile('nope', { encoding: 'base64' })).rejects.toBeInstanceOf(
      FileNotFoundError,
    );
    expect(daemon.requests.at(-1)?.body).toEqual({ path: 'nope', encoding: 'base64' });
  });
});

describe('info and destroy', () => {
  it('info creates on first use and returns the sandbox', async () => {
    await expect(getSandbox(paddock, 'inf').info()).resolves.toMatchObject({
      id: 'inf',
      state: 'running',
    });
    expect(creates()).toBe(1);
  });

  it('destroy is idempotent and does not create', async () => {
    const sb = getSandbox(paddock, 'd');
    await sb.destroy();
    await sb.destroy();
    expect(creates()).toBe(0);
    expect(daemon.count('DELETE', '/v1/sandboxes/d')).toBe(2);
  });

  it('a use after destroy creates the sandbox again', async () => {
    const sb = getSandbox(paddock, 'again');
    await sb.exec('true');
    await sb.destroy();
    await sb.exec('true');
    expect(creates()).toBe(2);
    expect(daemon.sandboxes.has('again')).toBe(true);
  });

  it('destroy waits for an in-flight create so the sandbox does not leak', async () => {
    daemon.override = (r) =>
      r.path === '/v1/sandboxes' ? { ...create(r.body.id ?? ''), delayMs: 100 } : undefined;
    const sb = getSandbox(paddock, 'race');
    const running = sb.exec('true').catch(() => null);
    await new Promise((r) => setTimeout(r, 20));
    await sb.destroy();
    await running;
    expect(daemon.sandboxes.has('race')).toBe(false);
  });

  it('Symbol.asyncDispose destroys the sandbox', async () => {
    const sb = getSandbox(paddock, 'disp');
    await sb.exec('true');
    await sb[Symbol.asyncDispose]();
    expect(daemon.sandboxes.has('disp')).toBe(false);
  });

  it('destroy still reports other errors', async () => {
    daemon.override = () => ({ status: 500, body: { code: 'BACKEND_ERROR', message: 'boom' } });
    const err = await getSandbox(paddock, 'x')
      .destroy()
      .catch((e: unknown) => e);
    expect(PaddockError.is(err) && err.code).toBe('BACKEND_ERROR');
  });
});

function create(id: string): { status: number; body: unknown } {
  daemon.sandboxes.set(id, sandboxInfo(id));
  return { status: 201, body: sandboxInfo(id) };
}
