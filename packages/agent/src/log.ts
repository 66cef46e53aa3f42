/**
 * The agent's only logger: one line per event on stderr (the sandbox's console). Callers pass
 * fixed wording and metadata only, never env values, tokens or file contents.
 */
export function log(message: string): void {
  try {
    process.stderr.write(`${new Date().toISOString()} paddock-agent: ${message}\n`);
  } catch {
    // stderr is gone; there is nowhere left to report to, and logging must never crash the agent.
  }
}

/** A short description of a thrown value for logs; stacks only, no data from requests. */
export function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
