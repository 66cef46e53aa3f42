/**
 * Make the sandbox's own hostname resolve. Sandboxes have no DNS by default, so a program that
 * looks up its host name (Python's http.server does, at start) would wait for a resolver
 * timeout. The entry goes into the sandbox's own /etc/hosts, once.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

export async function ensureHostsEntry(file = '/etc/hosts', name = hostname()): Promise<boolean> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const known = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .some((line) => line.split(/\s+/).slice(1).includes(name));
  if (known) return false;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${sep}127.0.1.1\t${name}\n`);
  return true;
}

/** After a claim: the sandbox's name replaces whatever name 127.0.1.1 had (the pool's). */
export async function setHostsEntry(name: string, file = '/etc/hosts'): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const kept = text
    .split('\n')
    .filter((line) => line !== '' && line.trim().split(/\s+/)[0] !== '127.0.1.1');
  await writeFile(file, [...kept, `127.0.1.1\t${name}`, ''].join('\n'));
}
