/** A file's MIME type from its name, and whether its bytes are text. */

const BY_EXTENSION: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'text/javascript',
  mjs: 'text/javascript',
  ts: 'text/x-typescript',
  json: 'application/json',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  py: 'text/x-python',
  sh: 'text/x-shellscript',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  wasm: 'application/wasm',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Binary when it holds a NUL byte or is not valid UTF-8 (what `file` and git also look at). */
export function isBinary(data: Buffer): boolean {
  if (data.includes(0)) return true;
  try {
    utf8.decode(data);
    return false;
  } catch {
    return true;
  }
}

export function mimeTypeOf(path: string, binary: boolean): string {
  const dot = path.lastIndexOf('.');
  const ext = dot > path.lastIndexOf('/') ? path.slice(dot + 1).toLowerCase() : '';
  return BY_EXTENSION[ext] ?? (binary ? 'application/octet-stream' : 'text/plain');
}
