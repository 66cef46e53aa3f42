/**
 * Sessions and environment variables: the wire shapes of the public API and of the agent channel.
 * A session is a persistent shell inside the sandbox; its id follows the sandbox id rules.
 */
import { commandSchema, envNameSchema, envSchema, execResultSchema, pathSchema } from './api.js';
import { array, boolean, int, object, optional, record, string, type Infer } from './schema.js';
import type { Schema } from './schema.js';

export const sessionIdSchema = string({
  minLength: 1,
  maxLength: 63,
  pattern: /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
  patternHint: '1-63 lowercase letters, digits and inner hyphens',
  description: 'A session name, unique within its sandbox.',
});

const ENV_VALUE_MAX = 128 * 1024;

/** An env value, or null to unset the variable (the SDK sends `undefined` as null). */
const envValueOrNull: Schema<string | null> = {
  json: { type: ['string', 'null'], maxLength: ENV_VALUE_MAX },
  optional: false,
  check: (v, path) => {
    if (v === null) return { ok: true, value: null };
    if (typeof v === 'string' && v.length <= ENV_VALUE_MAX && !v.includes('\0')) {
      return { ok: true, value: v };
    }
    return {
      ok: false,
      issue: {
        path,
        message: `must be a string (at most ${ENV_VALUE_MAX} characters, no NUL) or null`,
      },
    };
  },
};

export const envUpdateSchema = record(envNameSchema, envValueOrNull, { max: 256 });
export type EnvUpdate = Infer<typeof envUpdateSchema>;

export const setEnvRequestSchema = object({ env: envUpdateSchema });
export type SetEnvRequest = Infer<typeof setEnvRequestSchema>;

export const sandboxEnvResultSchema = object({
  id: string({ maxLength: 63 }),
  /** Names (never values) of the variables now set on the sandbox. */
  names: array(envNameSchema, { max: 256 }),
});
export type SandboxEnvResult = Infer<typeof sandboxEnvResultSchema>;

export const createSessionRequestSchema = object({
  id: optional(sessionIdSchema),
  env: optional(envSchema),
  cwd: optional(pathSchema),
});
export type CreateSessionRequest = Infer<typeof createSessionRequestSchema>;

export const sessionInfoSchema = object({
  id: sessionIdSchema,
  /** The shell's working directory after its last command; relative paths start here. */
  cwd: pathSchema,
});
export type SessionInfo = Infer<typeof sessionInfoSchema>;

export const sessionDeletedSchema = object({ id: sessionIdSchema, deleted: boolean() });
export type SessionDeleted = Infer<typeof sessionDeletedSchema>;

export const sessionListSchema = object({
  sessions: array(sessionInfoSchema, { max: 10_000 }),
  count: int({ min: 0, max: 10_000 }),
});
export type SessionList = Infer<typeof sessionListSchema>;

/** Agent channel: the daemon always names the session (it generates ids the caller left out). */
export const agentCreateSessionSchema = object({
  id: sessionIdSchema,
  env: optional(envSchema),
  cwd: optional(pathSchema),
});

export const agentSessionRefSchema = object({ sessionId: sessionIdSchema });
export type AgentSessionRef = Infer<typeof agentSessionRefSchema>;

export const agentSessionExecSchema = object({
  sessionId: sessionIdSchema,
  command: commandSchema,
  env: optional(envSchema),
  cwd: optional(pathSchema),
  timeout: optional(int({ min: 1, max: 24 * 3600 * 1000, description: 'Milliseconds.' })),
});
export type AgentSessionExec = Infer<typeof agentSessionExecSchema>;

export const agentSessionEnvSchema = object({ sessionId: sessionIdSchema, env: envUpdateSchema });
export type AgentSessionEnv = Infer<typeof agentSessionEnvSchema>;

/** The agent operations of sessions; spread into AGENT_OPS (agent.ts). */
export const SESSION_OPS = {
  createSession: {
    path: '/sessions/create',
    request: agentCreateSessionSchema,
    reply: sessionInfoSchema,
  },
  getSession: { path: '/sessions/get', request: agentSessionRefSchema, reply: sessionInfoSchema },
  listSessions: { path: '/sessions/list', request: object({}), reply: sessionListSchema },
  deleteSession: {
    path: '/sessions/delete',
    request: agentSessionRefSchema,
    reply: sessionDeletedSchema,
  },
  sessionExec: { path: '/sessions/exec', request: agentSessionExecSchema, reply: execResultSchema },
  sessionSetEnv: {
    path: '/sessions/env',
    request: agentSessionEnvSchema,
    reply: sessionInfoSchema,
  },
};
