/**
 * Output of the ops CLI: `--json` prints one JSON document (for scripts and jq); otherwise a
 * plain aligned table for lists and indented key: value lines for single objects.
 */
const cell = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? v.toString() : (JSON.stringify(v) ?? '');

export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]!);
  const widths = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.slice(0, 60).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

export function describe(obj: unknown, indent = ''): string {
  if (obj === null || typeof obj !== 'object') return `${indent}${cell(obj)}`;
  if (Array.isArray(obj)) {
    if (obj.length && obj.every((x) => x && typeof x === 'object' && !Array.isArray(x)))
      return table(obj as Record<string, unknown>[])
        .split('\n')
        .map((l) => indent + l)
        .join('\n');
    return `${indent}${cell(obj)}`;
  }
  return Object.entries(obj as Record<string, unknown>)
    .map(([k, v]) => (v && typeof v === 'object' ? `${indent}${k}:\n${describe(v, `${indent}  `)}` : `${indent}${k}: ${cell(v)}`))
    .join('\n');
}

export function print(data: unknown, json: boolean, rows?: Record<string, unknown>[], columns?: string[]): void {
  const text = json ? JSON.stringify(data, null, 2) : rows ? table(rows, columns) : describe(data);
  process.stdout.write(`${text}\n`);
}
