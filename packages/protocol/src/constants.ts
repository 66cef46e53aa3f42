/** Numbers both sides of a wire agree on. */

/** The TCP port the agent listens on inside every sandbox; never exposable. */
export const AGENT_PORT = 49983;

/** Protocol version the agent reports; the daemon refuses agents it does not know. */
export const AGENT_PROTOCOL_VERSION = 1;

/** Largest JSON body either side accepts for one request or reply. */
export const MAX_JSON_BODY_BYTES = 64 * 1024 * 1024;

/** Output kept per stream of one command; the rest is dropped and `truncated` set. */
export const DEFAULT_OUTPUT_LIMIT_BYTES = 16 * 1024 * 1024;

/** Largest file a buffered readFile returns. */
export const MAX_READ_FILE_BYTES = 32 * 1024 * 1024;

/** Default working directory of commands and relative file paths. */
export const WORKSPACE_DIR = '/workspace';

export const DEFAULT_DAEMON_PORT = 7070;
