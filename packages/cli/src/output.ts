/** Plain-text tables for terminal output. */

/**
 * Left-aligned columns separated by two spaces; the last column is not padded.
 *
 * @example
 * formatTable(['ID', 'STATE'], [['a', 'running']]); // "ID  STATE\na   running\n"
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((w, i) => (i === widths.length - 1 ? (cells[i] ?? '') : (cells[i] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  return [headers, ...rows].map(line).join('\n') + '\n';
}
