/**
 * Git checkout: `git clone` run by the agent inside the sandbox. Credentials may be in the URL
 * (`https://user:token@host/repo.git`); they are never logged nor put in an error message.
 */
import { pathSchema } from './api.js';
import { int, object, optional, string, type Infer } from './schema.js';

/** Default clone timeout (milliseconds), as Cloudflare's gitCheckout. */
export const DEFAULT_GIT_TIMEOUT_MS = 10 * 60_000;

export const gitRefSchema = string({
  minLength: 1,
  maxLength: 255,
  // No leading '-' (never an option to git) and no whitespace or control characters.
  pattern: /^(?!-)[^\s\p{Cc}]+$/u,
  patternHint: 'a branch or tag name, not starting with "-"',
});

export const gitCheckoutRequestSchema = object({
  repoUrl: string({ minLength: 1, maxLength: 4096 }),
  branch: optional(gitRefSchema),
  /** Default `/workspace/<repository name>`. */
  targetDir: optional(pathSchema),
  depth: optional(int({ min: 1, max: 1_000_000 })),
  timeout: optional(int({ min: 1, max: 24 * 3600 * 1000, description: 'Milliseconds.' })),
});
export type GitCheckoutRequest = Infer<typeof gitCheckoutRequestSchema>;

export const gitCheckoutResultSchema = object({
  /** The URL as given, with any credentials replaced by `***`. */
  repoUrl: string({ maxLength: 4096 }),
  /** The branch checked out (the remote's default when none was asked for). */
  branch: string({ maxLength: 255 }),
  targetDir: pathSchema,
});
export type GitCheckoutResult = Infer<typeof gitCheckoutResultSchema>;
