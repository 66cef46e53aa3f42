/** The body of a listFiles call, shared by sandboxes and sessions. */
export interface ListFilesOptions {
  recursive?: boolean;
  includeHidden?: boolean;
  signal?: AbortSignal;
}

export function listFilesBody(path: string, options: ListFilesOptions) {
  return {
    path,
    recursive: options.recursive === true,
    includeHidden: options.includeHidden === true,
  };
}
