/** Sorting and filtering of table rows (Positions, STAR-LAB): stable, nulls last, numbers as numbers. */
export type SortDir = 'asc' | 'desc';

export function compareValues(a: unknown, b: unknown): number {
  const na = a === null || a === undefined || a === '';
  const nb = b === null || b === undefined || b === '';
  if (na || nb) return na && nb ? 0 : na ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const fa = typeof a === 'string' && /^-?\d+(\.\d+)?$/.test(a) ? Number(a) : null;
  const fb = typeof b === 'string' && /^-?\d+(\.\d+)?$/.test(b) ? Number(b) : null;
  if (fa !== null && fb !== null) return fa - fb;
  const text = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  return text(a).localeCompare(text(b));
}

export function sortRows<T>(rows: readonly T[], key: keyof T, dir: SortDir = 'asc'): T[] {
  return rows
    .map((r, i) => [r, i] as const)
    .sort(([a, i], [b, j]) => {
      const c = compareValues(a[key], b[key]);
      // nulls stay last whatever the direction
      const nullish = a[key] === null || a[key] === undefined || b[key] === null || b[key] === undefined;
      return (nullish ? c : dir === 'asc' ? c : -c) || i - j;
    })
    .map(([r]) => r);
}

/** Distinct non-empty values of a column, sorted (for filter drop-downs). */
export function distinct<T>(rows: readonly T[], key: keyof T): string[] {
  return [
    ...new Set(
      rows
        .map((r) => r[key])
        .filter((v) => v !== null && v !== undefined && v !== '')
        .map(String),
    ),
  ].sort();
}
