/**
 * `npm run ui:size`: the gzipped size of what the command center's first page loads (the
 * index.html and every script, stylesheet and module preload it references), built first when
 * ui/dist is missing or stale. Last line: one JSON object.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildUi, UI_ROOT, uiBuildNeeded } from '../src/uiBuild';

async function main() {
  if (uiBuildNeeded()) await buildUi();
  const dist = path.join(UI_ROOT, 'dist');
  const html = fs.readFileSync(path.join(dist, 'index.html'));
  const refs = [...html.toString().matchAll(/(?:src|href)="\/ui\/([^"]+)"/g)].map((m) => m[1]!);
  const files = [{ file: 'index.html', raw: html.length, gzip: gzipSync(html, { level: 9 }).length }];
  for (const ref of [...new Set(refs)]) {
    const buf = fs.readFileSync(path.join(dist, ref));
    files.push({ file: ref, raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length });
  }
  const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
  for (const f of files) process.stdout.write(`${f.file.padEnd(40)} ${String(kb(f.raw)).padStart(8)} KB  gzip ${String(kb(f.gzip)).padStart(7)} KB\n`);
  const gz = files.reduce((s, f) => s + f.gzip, 0);
  const raw = files.reduce((s, f) => s + f.raw, 0);
  process.stdout.write(`${JSON.stringify({ first_page_gzip_kb: kb(gz), first_page_raw_kb: kb(raw), files: files.length, budget_gzip_kb: 300, within_budget: kb(gz) < 300 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`ui:size failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
