/** The Weeks calendar: one row per week (newest first), one column per account, cells = week types by symbol. */
export interface WeekTypeIn {
  accountId: string;
  symbol: string;
  week: string;
  type: string;
}

export interface WeekGrid {
  weeks: string[];
  accounts: string[];
  cell(week: string, account: string): { symbol: string; type: string }[];
}

export function weekGrid(rows: readonly WeekTypeIn[], accounts: readonly string[] = []): WeekGrid {
  const weeks = [...new Set(rows.map((r) => r.week))].sort().reverse();
  const accs = [...new Set([...accounts, ...rows.map((r) => r.accountId)])];
  const cells = new Map<string, { symbol: string; type: string }[]>();
  for (const r of rows) {
    const k = `${r.week}|${r.accountId}`;
    cells.set(
      k,
      [...(cells.get(k) ?? []), { symbol: r.symbol, type: r.type }].sort((a, b) => a.symbol.localeCompare(b.symbol)),
    );
  }
  return { weeks, accounts: accs, cell: (w, a) => cells.get(`${w}|${a}`) ?? [] };
}

/** Good (premium kept), neutral or bad outcome of a week type, for its colour. */
export function weekTypeTone(type: string): 'good' | 'neutral' | 'bad' {
  if (['P-EW', 'C-EW', 'C-WAP', 'C-WAP+'].includes(type)) return 'good';
  if (['P-DD', 'P-AOL', 'C-REC'].includes(type)) return 'bad';
  return 'neutral';
}
