/**
 * JSON-lines logging to stderr. Fields are caller-chosen and never include environment values or
 * file contents; as a second guard, anything shaped like a credential is redacted.
 */
export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

const SECRET_SHAPES = [/paddock_[A-Za-z0-9_-]{20,}/g, /Bearer\s+[A-Za-z0-9._~+/=-]+/gi];

export function redact(text: string): string {
  return SECRET_SHAPES.reduce((t, re) => t.replace(re, '[redacted]'), text);
}

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (level: string, msg: string, fields: Fields = {}) =>
    write(`${redact(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }))}\n`);
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
