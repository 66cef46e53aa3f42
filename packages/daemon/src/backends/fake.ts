/**
 * An in-process backend for the core's unit tests: records calls and can be told to fail.
 * Never used by the daemon itself.
 */
import type { Backend, Liveness, RunningSandbox, SandboxSpec } from './backend.js';

export class FakeBackend implements Backend {
  readonly name = 'jail' as const;
  readonly isolation = 'namespace' as const;
  readonly live = new Map<string, SandboxSpec>();
  readonly calls: string[] = [];
  failCreate = false;
  failDestroy = false;

  create(spec: SandboxSpec): Promise<RunningSandbox> {
    this.calls.push(`create ${spec.id}`);
    if (this.failCreate) return Promise.reject(new Error('boom'));
    this.live.set(spec.name, spec);
    const agent = { host: spec.network.sandboxIp, port: 1, token: spec.agentToken };
    return Promise.resolve({ agent });
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
