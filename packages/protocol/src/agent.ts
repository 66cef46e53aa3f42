/**
 * The agent channel: the HTTP routes the in-sandbox agent serves to the daemon. Each operation is
 * one entry of AGENT_OPS: its path, the schema of its request (the public API shape) and of its
 * reply. The agent validates requests with them; the daemon validates every reply, because the
 * agent runs beside hostile code and may be controlled by it.
 */
import {
  sandboxIdSchema,
  execRequestSchema,
  execResultSchema,
  existsResultSchema,
  listFilesRequestSchema,
  listFilesResultSchema,
  mkdirRequestSchema,
  moveRequestSchema,
  pathRequestSchema,
  pathResultSchema,
  readFileRequestSchema,
  readFileResultSchema,
  renameRequestSchema,
  renameResultSchema,
  writeFileRequestSchema,
  writeFileResultSchema,
} from './api.js';
import {
  emptyRequestSchema,
  killAllResultSchema,
  killBodySchema,
  killProcessRequestSchema,
  processInfoSchema,
  processListSchema,
  processLogsSchema,
  processRefSchema,
  startProcessRequestSchema,
  waitForPortRequestSchema,
  waitForPortResultSchema,
} from './processes.js';
import { boolean, int, literal, object, string, type Infer, type Schema } from './schema.js';
import { SESSION_OPS } from './sessions.js';
import {
  codeContextDeletedSchema,
  codeContextListSchema,
  codeContextRefSchema,
  codeContextSchema,
  createCodeContextRequestSchema,
} from './interpreter.js';
import { gitCheckoutRequestSchema, gitCheckoutResultSchema } from './git.js';

/** Routes outside AGENT_OPS: health, and exec streamed as NDJSON lines of ExecEvent. */
export const AGENT_ROUTES = {
  health: '/health',
  execStream: '/exec/stream',
  /** NDJSON lines of ProcessLogEvent: a process's logs replayed, then live, then its exit. */
  processLogs: '/processes/logs/stream',
  /** Raw bytes, no size cap; the file's path in the query string (`?path=`). */
  writeStream: '/files/stream/write',
  readStream: '/files/stream/read',
  /** NDJSON lines of WatchEvent: `watching`, then changes until the reader leaves. */
  watch: '/files/watch/stream',
  /** NDJSON lines of CodeEvent: one run of code in a context. */
  runCode: '/code/run/stream',
} as const;

/** Longest NDJSON line the daemon accepts from an agent's stream. */
export const MAX_STREAM_LINE_BYTES = 2 * 1024 * 1024;

interface AgentOp<Req, Reply> {
  path: string;
  request: Schema<Req>;
  reply: Schema<Reply>;
}

const op = <Req, Reply>(
  path: string,
  request: Schema<Req>,
  reply: Schema<Reply>,
): AgentOp<Req, Reply> => ({
  path,
  request,
  reply,
});

/**
 * Claiming a warm-pool sandbox for a caller (daemon only, never routed from the API): the agent
 * swaps its token for the new one (the pool's token is then refused), takes the sandbox id as its
 * host name (in /etc/hosts, and as the UTS name where it may set it) and refuses any later claim.
 */
export const agentClaimRequestSchema = object({
  token: string({ minLength: 32, maxLength: 256, pattern: /^[A-Za-z0-9_-]+$/ }),
  hostname: sandboxIdSchema,
  /** Whether the agent sets the UTS host name itself (false where the daemon sets it from outside). */
  setHostname: boolean(),
});
export const agentClaimReplySchema = object({
  /** Whether the agent made the requested name the host name (only when asked to). */
  hostnameSet: boolean(),
});

/** Every POST operation of the agent. Adding one here adds it to both ends of the channel. */
export const AGENT_OPS = {
  exec: op('/exec', execRequestSchema, execResultSchema),
  writeFile: op('/files/write', writeFileRequestSchema, writeFileResultSchema),
  readFile: op('/files/read', readFileRequestSchema, readFileResultSchema),
  mkdir: op('/files/mkdir', mkdirRequestSchema, pathResultSchema),
  deleteFile: op('/files/delete', pathRequestSchema, pathResultSchema),
  renameFile: op('/files/rename', renameRequestSchema, renameResultSchema),
  moveFile: op('/files/move', moveRequestSchema, renameResultSchema),
  listFiles: op('/files/list', listFilesRequestSchema, listFilesResultSchema),
  exists: op('/files/exists', pathRequestSchema, existsResultSchema),
  startProcess: op('/processes/start', startProcessRequestSchema, processInfoSchema),
  listProcesses: op('/processes/list', emptyRequestSchema, processListSchema),
  getProcess: op('/processes/get', processRefSchema, processInfoSchema),
  killProcess: op('/processes/kill', killProcessRequestSchema, processInfoSchema),
  killAllProcesses: op('/processes/kill-all', killBodySchema, killAllResultSchema),
  getProcessLogs: op('/processes/logs', processRefSchema, processLogsSchema),
  waitForPort: op('/processes/wait-for-port', waitForPortRequestSchema, waitForPortResultSchema),
  ...SESSION_OPS,
  createCodeContext: op('/code/contexts/create', createCodeContextRequestSchema, codeContextSchema),
  listCodeContexts: op('/code/contexts/list', emptyRequestSchema, codeContextListSchema),
  deleteCodeContext: op('/code/contexts/delete', codeContextRefSchema, codeContextDeletedSchema),
  gitCheckout: op('/git/checkout', gitCheckoutRequestSchema, gitCheckoutResultSchema),
  claim: op('/claim', agentClaimRequestSchema, agentClaimReplySchema),
};

export type AgentOpName = keyof typeof AGENT_OPS;
export type AgentRequest<K extends AgentOpName> = Infer<(typeof AGENT_OPS)[K]['request']>;
export type AgentReply<K extends AgentOpName> = Infer<(typeof AGENT_OPS)[K]['reply']>;

/** Header carrying the per-sandbox agent token on every agent request. */
export const AGENT_AUTH_HEADER = 'authorization';

/** Environment variables the daemon hands the agent at start; never passed on to commands. */
export const AGENT_ENV = {
  token: 'PADDOCK_AGENT_TOKEN',
  listen: 'PADDOCK_AGENT_LISTEN',
} as const;

export const agentHealthSchema = object({
  status: literal('ok'),
  protocol: int({ min: 1, max: 1000 }),
  agentVersion: string({ maxLength: 64 }),
});
export type AgentHealth = Infer<typeof agentHealthSchema>;
