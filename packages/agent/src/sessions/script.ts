/**
 * The text a session's shell is fed. Every command runs as a group command in the shell itself
 * (so `cd`, `export` and functions persist), sourced from a file (so quoting, heredocs and a
 * missing final newline need no escaping), with stdin from /dev/null and stdout/stderr into files
 * of its own (so output left behind by background jobs never mixes into a later command). After
 * it, one marker line on the shell's stdout carries the sequence number, status and cwd.
 */

/** Single-quoted for bash: safe for any string without NUL. */
export function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A shell string stays as it is; argv is quoted word by word (no expansion). */
export function commandText(command: string | string[]): string {
  return typeof command === 'string' ? command : command.map(quote).join(' ');
}

/** `export NAME='value'` or `unset NAME` per entry; names are validated shell identifiers. */
export function envScript(env: Readonly<Record<string, string | null>>): string {
  return Object.entries(env)
    .map(([name, value]) =>
      value === null ? `unset ${name}\n` : `export ${name}=${quote(value)}\n`,
    )
    .join('');
}

export interface RunFiles {
  /** The user's command. */
  script: string;
  /** Per-call cwd and env; when present the command runs in a subshell (nothing persists). */
  prelude?: string | undefined;
  stdout: string;
  stderr: string;
}

/** One line for the shell's stdin. `builtin` keeps a user's function named printf out of it. */
export function runLine(files: RunFiles, nonce: string, seq: number): string {
  const body = files.prelude
    ? `( . ${quote(files.prelude)} && . ${quote(files.script)} )`
    : `{ . ${quote(files.script)}; }`;
  const redirect = `</dev/null >${quote(files.stdout)} 2>${quote(files.stderr)}`;
  const marker = `builtin printf '\\n%s %d %d %s\\n' ${nonce} ${seq} "$__paddock_status" "$PWD"`;
  return `${body} ${redirect}; __paddock_status=$?; ${marker}\n`;
}

export interface Marker {
  seq: number;
  status: number;
  cwd: string;
}

/** Parses one line of the shell's stdout; anything but our marker is ignored. */
export function parseMarker(line: string, nonce: string): Marker | undefined {
  if (!line.startsWith(`${nonce} `)) return undefined;
  const m = /^(\d+) (\d+) (.*)$/s.exec(line.slice(nonce.length + 1));
  if (!m) return undefined;
  return { seq: Number(m[1]), status: Number(m[2]), cwd: m[3] ?? '' };
}

/** The prelude of a command with a per-call cwd or env. */
export function preludeText(
  cwd: string | undefined,
  env: Readonly<Record<string, string>>,
): string {
  return `${cwd === undefined ? '' : `cd -- ${quote(cwd)} || exit 1\n`}${envScript(env)}`;
}
