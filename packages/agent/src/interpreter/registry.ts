/**
 * The agent's code contexts: created on request (each its own runner), or on first use as the
 * default context of a language (`default-python`, …) when a run names none. Creating one never
 * waits for another: each start is its own process and promise.
 */
import { kernelRandomHex } from '../random.js';
import {
  DEFAULT_RUN_TIMEOUT_MS,
  MAX_CODE_CONTEXTS,
  PaddockError,
  type CodeContext,
  type CodeLanguage,
  type CreateCodeContextRequest,
  type RunCodeRequest,
} from '@paddock/protocol';
import { checkCwd } from '../exec.js';
import { resolveInWorkspace } from '../paths.js';
import { CodeContextProcess, type RunSink } from './context.js';

export interface InterpreterOptions {
  workspaceDir: string;
  baseEnv: Record<string, string>;
  startTimeoutMs?: number;
  interruptGraceMs?: number;
}

export class ContextRegistry {
  private readonly contexts = new Map<string, CodeContextProcess>();
  /** Default contexts being started, so two first runs of a language share one. */
  private readonly starting = new Map<string, Promise<CodeContextProcess>>();

  constructor(private readonly opts: InterpreterOptions) {}

  async create(req: CreateCodeContextRequest, id?: string): Promise<CodeContext> {
    return (await this.start(req, id ?? `ctx-${kernelRandomHex(6)}`)).info();
  }

  list(): CodeContext[] {
    return [...this.contexts.values()].map((c) => c.info());
  }

  delete(id: string): void {
    const c = this.get(id);
    c.kill();
    this.contexts.delete(id);
  }

  closeAll(): void {
    for (const c of this.contexts.values()) c.kill();
    this.contexts.clear();
  }

  /** Runs code in the named context, or in the language's default one (started on demand). */
  async run(req: RunCodeRequest, sink: RunSink, signal: AbortSignal): Promise<void> {
    const context =
      req.context === undefined
        ? await this.defaultOf(req.language ?? 'python')
        : this.get(req.context);
    if (req.language !== undefined && req.language !== context.spec.language) {
      throw new PaddockError(
        'VALIDATION_FAILED',
        `body.language is ${req.language} but context '${context.id}' runs ${context.spec.language}`,
        { field: 'body.language' },
      );
    }
    await context.execute(req.code, req.timeout ?? DEFAULT_RUN_TIMEOUT_MS, sink, signal);
  }

  private get(id: string): CodeContextProcess {
    const c = this.contexts.get(id);
    if (!c) throw new PaddockError('CONTEXT_NOT_FOUND', `No code context '${id}'`);
    return c;
  }

  private defaultOf(language: CodeLanguage): Promise<CodeContextProcess> {
    const id = `default-${language}`;
    const existing = this.contexts.get(id);
    if (existing) return Promise.resolve(existing);
    let pending = this.starting.get(id);
    if (!pending) {
      pending = this.start({ language }, id).finally(() => this.starting.delete(id));
      this.starting.set(id, pending);
    }
    return pending;
  }

  private async start(req: CreateCodeContextRequest, id: string): Promise<CodeContextProcess> {
    if (this.contexts.size >= MAX_CODE_CONTEXTS) {
      throw new PaddockError(
        'CONTEXT_LIMIT_REACHED',
        `The sandbox has ${MAX_CODE_CONTEXTS} code contexts`,
      );
    }
    const cwd = resolveInWorkspace(this.opts.workspaceDir, req.cwd ?? '.');
    await checkCwd(cwd);
    const context = new CodeContextProcess({
      id,
      language: req.language ?? 'python',
      cwd,
      env: { ...this.opts.baseEnv, PWD: cwd, ...req.envVars },
      startTimeoutMs: this.opts.startTimeoutMs ?? 60_000,
      interruptGraceMs: this.opts.interruptGraceMs ?? 3000,
    });
    this.contexts.set(id, context);
    try {
      await context.started();
    } catch (err) {
      this.contexts.delete(id);
      throw err;
    }
    return context;
  }
}
