/**
 * The "created on first use" life of a sandbox handle: operations wait for one shared create
 * (concurrent first calls POST once), an operation that finds the sandbox gone re-creates it
 * and retries once, and destroy keeps a racing create from bringing it back.
 */
import { PaddockError } from './errors.js';
import type { Paddock } from './client.js';
import type { SandboxOptions } from './options.js';

export class Existence {
  /** The in-flight or finished create; shared so concurrent first calls POST once. */
  #ready: Promise<void> | undefined;
  /** Bumped by destroy, so an operation that raced it does not bring the sandbox back. */
  #generation = 0;

  constructor(
    private readonly client: Paddock,
    private readonly id: string,
    private readonly options: SandboxOptions,
  ) {}

  /** Run `op` once the sandbox exists; if it vanished meanwhile, re-create and retry once. */
  async run<T>(op: () => Promise<T>): Promise<T> {
    if (this.options.createIfMissing === false) return op();
    const generation = this.#generation;
    const ready = this.#ensureCreated();
    await ready;
    try {
      return await op();
    } catch (e) {
      if (!isSandboxNotFound(e) || generation !== this.#generation) throw e;
      // Only the first caller to see the loss resets; others then share its re-create.
      if (this.#ready === ready) this.#ready = undefined;
      await this.#ensureCreated();
      return op();
    }
  }

  /** Create if needed, then run `op` once (for bodies that cannot be sent twice). */
  async ensureThen<T>(op: () => Promise<T>): Promise<T> {
    if (this.options.createIfMissing !== false) await this.#ensureCreated();
    return op();
  }

  #ensureCreated(): Promise<void> {
    if (this.#ready) return this.#ready;
    const ready = this.#create();
    this.#ready = ready;
    // A failed create is not cached: the next operation tries again.
    ready.catch(() => {
      if (this.#ready === ready) this.#ready = undefined;
    });
    return ready;
  }

  async #create(): Promise<void> {
    const { limits, env, network } = this.options;
    try {
      await this.client.createSandbox({ id: this.id, limits, env, network });
    } catch (e) {
      if (!(PaddockError.is(e) && e.code === 'SANDBOX_ALREADY_EXISTS')) throw e;
    }
  }

  async destroy(): Promise<void> {
    // Let an in-flight create settle first, or it could land after the delete and leak.
    const pending = this.#ready;
    this.#ready = undefined;
    this.#generation++;
    await pending?.catch(() => undefined);
    try {
      await this.client.deleteSandbox(this.id);
    } catch (e) {
      if (!isSandboxNotFound(e)) throw e;
    }
  }
}

function isSandboxNotFound(e: unknown): boolean {
  return PaddockError.is(e) && e.code === 'SANDBOX_NOT_FOUND';
}
