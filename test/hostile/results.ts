/**
 * The hostile suite's record: every attack is a test with an id and a category that asserts the
 * attack failed in one expected way and names that way (its outcome). Each result is appended
 * to a JSON-lines file; the global teardown prints them as a table.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'vitest';

export const RESULTS_FILE = join(
  import.meta.dirname,
  '..',
  '..',
  '.paddock-test',
  'hostile',
  'results.jsonl',
);

export interface AttackResult {
  id: string;
  category: string;
  backend: string;
  /** How the attack failed (e.g. "EPERM", "404 SANDBOX_NOT_FOUND"), or what went wrong. */
  outcome: string;
  /** 'blocked': the attack failed as expected. 'NOT BLOCKED': the test failed. */
  verdict: 'blocked' | 'NOT BLOCKED';
}

export function record(r: AttackResult): void {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(r)}\n`);
}

export interface Attack {
  id: string;
  category: string;
  title: string;
  /** Runs the attack, asserts how it failed and returns that way in a few words. */
  run: () => Promise<string>;
  timeout?: number;
}

/** One attack as one test, recorded whatever happens. */
export function attack(backend: string, a: Attack): void {
  it(
    `${a.id} [${a.category}] ${a.title}`,
    async () => {
      try {
        const outcome = await a.run();
        record({ id: a.id, category: a.category, backend, outcome, verdict: 'blocked' });
      } catch (err) {
        const why = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
        record({
          id: a.id,
          category: a.category,
          backend,
          outcome: why.slice(0, 100),
          verdict: 'NOT BLOCKED',
        });
        throw err;
      }
    },
    a.timeout,
  );
}
