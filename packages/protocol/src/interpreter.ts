/**
 * The code interpreter: contexts (one long-lived Python or Node interpreter each, whose variables
 * persist between runs) and runs, whose output and rich results stream as events. The same shapes
 * serve the public API and the agent channel; every field an agent reports is bounded.
 */
import { envSchema, pathSchema } from './api.js';
import { ERROR_CODES } from './errors.js';
import {
  array,
  boolean,
  int,
  literal,
  object,
  optional,
  string,
  tagged,
  type Infer,
  type Schema,
} from './schema.js';

export const CODE_LANGUAGES = ['python', 'javascript', 'typescript'] as const;
export const codeLanguageSchema = literal(...CODE_LANGUAGES);
export type CodeLanguage = Infer<typeof codeLanguageSchema>;

/** Contexts one sandbox keeps at once (each is a process holding its own memory). */
export const MAX_CODE_CONTEXTS = 32;

/** Largest source of one run. */
export const MAX_CODE_BYTES = 1024 * 1024;

/**
 * Largest single representation of a result (e.g. a base64 PNG). Bigger ones are left out by the
 * agent (the result says so in `truncated`); the whole event must also fit one stream line.
 */
export const MAX_RESULT_FIELD_CHARS = 1536 * 1024;

/** Default timeout of one run (milliseconds), as Cloudflare's runCode. */
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;

const MAX_RUN_TIMEOUT_MS = 24 * 3600 * 1000;

export const codeContextIdSchema = string({
  minLength: 1,
  maxLength: 128,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  patternHint: '1-128 letters, digits, dots, underscores and hyphens, starting alphanumeric',
});

export const createCodeContextRequestSchema = object({
  language: optional(codeLanguageSchema),
  cwd: optional(pathSchema),
  envVars: optional(envSchema),
});
export type CreateCodeContextRequest = Infer<typeof createCodeContextRequestSchema>;

const timeSchema = string({ maxLength: 64, description: 'ISO 8601' });

export const codeContextSchema = object({
  id: codeContextIdSchema,
  language: codeLanguageSchema,
  cwd: pathSchema,
  createdAt: timeSchema,
  lastUsed: timeSchema,
  /** `dead`: its interpreter exited or was killed; runs fail with CONTEXT_DEAD until deleted. */
  status: literal('ready', 'busy', 'dead'),
});
export type CodeContext = Infer<typeof codeContextSchema>;

export const codeContextListSchema = object({
  contexts: array(codeContextSchema, { max: MAX_CODE_CONTEXTS }),
});
export type CodeContextList = Infer<typeof codeContextListSchema>;

export const codeContextRefSchema = object({ contextId: codeContextIdSchema });
export type CodeContextRef = Infer<typeof codeContextRefSchema>;

export const codeContextDeletedSchema = object({ id: codeContextIdSchema, deleted: boolean() });
export type CodeContextDeleted = Infer<typeof codeContextDeletedSchema>;

export const runCodeRequestSchema = object({
  code: string({ maxLength: MAX_CODE_BYTES }),
  /** A context's id; without one, the sandbox's default context of `language` (made on demand). */
  context: optional(codeContextIdSchema),
  language: optional(codeLanguageSchema),
  timeout: optional(int({ min: 1, max: MAX_RUN_TIMEOUT_MS, description: 'Milliseconds.' })),
});
export type RunCodeRequest = Infer<typeof runCodeRequestSchema>;

const field = optional(string({ maxLength: MAX_RESULT_FIELD_CHARS }));

/** Any JSON value whose serialisation fits one result field. */
const jsonValueSchema: Schema<unknown> = {
  json: { description: 'Any JSON value.' },
  optional: false,
  check: (v, path) => {
    let text: string | undefined;
    try {
      text = JSON.stringify(v);
    } catch {
      text = undefined;
    }
    if (text !== undefined && text.length <= MAX_RESULT_FIELD_CHARS) return { ok: true, value: v };
    return { ok: false, issue: { path, message: 'must be a JSON value of bounded size' } };
  },
};

/**
 * One rich result, Jupyter-style: the forms the value offered. `png` and `jpeg` are base64; the
 * last expression's value and every matplotlib figure left open by a run become one each.
 */
export const richResultSchema = object({
  text: field,
  html: field,
  png: field,
  jpeg: field,
  svg: field,
  latex: field,
  markdown: field,
  javascript: field,
  json: optional(jsonValueSchema),
  /** Forms left out because they were over MAX_RESULT_FIELD_CHARS. */
  truncated: optional(array(string({ maxLength: 32 }), { max: 16 })),
});
export type RichResult = Infer<typeof richResultSchema>;

const logData = string({ maxLength: 1024 * 1024 });

export const executionErrorSchema = object({
  name: string({ maxLength: 256 }),
  message: string({ maxLength: 64 * 1024 }),
  traceback: array(string({ maxLength: 64 * 1024 }), { max: 512 }),
});
export type ExecutionError = Infer<typeof executionErrorSchema>;

/**
 * Events of one run, in order: `start`, any number of `stdout`/`stderr`/`result`, at most one
 * `execution_error` (the user's code raised: a result, not a failure), then exactly one of
 * `complete` or `error` (the run could not finish: timeout, dead context, unreachable sandbox).
 */
export const codeEventSchema = tagged('type', {
  start: object({ type: literal('start'), contextId: codeContextIdSchema }),
  stdout: object({ type: literal('stdout'), data: logData }),
  stderr: object({ type: literal('stderr'), data: logData }),
  result: object({ type: literal('result'), result: richResultSchema }),
  execution_error: object({ type: literal('execution_error'), error: executionErrorSchema }),
  complete: object({
    type: literal('complete'),
    executionCount: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    duration: int({ min: 0, max: MAX_RUN_TIMEOUT_MS * 2, description: 'Milliseconds.' }),
  }),
  error: object({
    type: literal('error'),
    code: literal(...ERROR_CODES),
    message: string({ maxLength: 4096 }),
  }),
});
export type CodeEvent = Infer<typeof codeEventSchema>;

/** What runCode resolves to once a run completes: its events folded together. */
export interface ExecutionResult {
  code: string;
  contextId: string;
  logs: { stdout: string[]; stderr: string[] };
  results: RichResult[];
  error?: ExecutionError;
  executionCount: number;
  duration: number;
}
