/**
 * An in-process backend for the core's unit tests: records calls and can be told to fail.
 * Never used by the daemon itself.
 */
import type { Backend, Liveness, RunningSandbox, SandboxSpec, SandboxUsage } from './backend.js';

export class FakeBackend implements Backend {
  readonly name = 'jail' as const;
  readonly isolation = 'namespace' as const;
  readonly live = new Map<string, SandboxSpec>();
  readonly calls: string[] = [];
  failCreate = false;
  failDestroy = false;
  /** When set, create waits for it (tests hold boots in flight). */
  gate: Promise<void> | undefined;

  async create(spec: SandboxSpec): Promise<RunningSandbox> {
    this.calls.push(`create ${spec.id}`);
    await this.gate;
    if (this.failCreate) throw new Error('boom');
    this.live.set(spec.name, spec);
    return { agent: { host: spec.network.sandboxIp, port: 1, token: spec.agentToken } };
  }

  usage(spec: SandboxSpec): Promise<SandboxUsage> {
    const diskLimitBytes = spec.limits.diskMiB * 1024 * 1024;
    const memoryLimitBytes = spec.limits.memoryMiB * 1024 * 1024;
    return Promise.resolve({
      cpuNanos: 5e8,
      memoryBytes: 20e6,
      memoryRssBytes: 15e6,
      memoryLimitBytes,
      tasks: 3,
      diskUsedBytes: 1e6,
      diskLimitBytes,
    });
  }

  rename(spec: SandboxSpec): Promise<void> {
    this.calls.push(`rename ${spec.name} ${spec.id}`);
    return Promise.resolve();
  }

  destroy(spec: SandboxSpec): Promise<void> {
    this.calls.push(`destroy ${spec.id}`);
    if (this.failDestroy) return Promise.reject(new Error('stuck'));
    this.live.delete(spec.name);
    return Promise.resolve();
  }

  stop(spec: SandboxSpec): Promise<void> {
    this.calls.push(`stop ${spec.id}`);
    this.live.delete(spec.name);
    return Promise.resolve();
  }

  start(spec: SandboxSpec): Promise<RunningSandbox> {
    this.calls.push(`start ${spec.id}`);
    this.live.set(spec.name, spec);
    const agent = { host: spec.network.sandboxIp, port: 1, token: spec.agentToken };
    return Promise.resolve({ agent });
  }

  pause(spec: SandboxSpec): Promise<void> {
    this.calls.push(`pause ${spec.id}`);
    return Promise.resolve();
  }

  resume(spec: SandboxSpec): Promise<void> {
    this.calls.push(`resume ${spec.id}`);
    return Promise.resolve();
  }

  inspect(spec: SandboxSpec): Promise<Liveness> {
    return Promise.resolve(
      this.live.has(spec.name) ? { alive: true } : { alive: false, reason: 'gone' },
    );
  }
}
