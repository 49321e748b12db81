/**
 * Import cycles among the modules under the given folders (default: src/ib-sim, src/contracts),
 * counting every relative import and re-export, `import type` included (a type cycle is still a
 * knot for a reader). Prints each cycle and exits 1 when there is one; `npm run lint` runs it.
 * A small script rather than import-x/no-cycle: it reads ~40 files in a few milliseconds.
 * Usage: tsx scripts/check-cycles.ts [folder ...]
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const folders = (process.argv.length > 2 ? process.argv.slice(2) : ['src/ib-sim', 'src/contracts']).map((f) => path.resolve(root, f));

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => c.endsWith('.ts') && fs.existsSync(c));
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const files = folders.flatMap(filesUnder);
const inScope = new Set(files);
const edges = new Map<string, string[]>();
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(IMPORT)) {
    const target = resolve(f, (m[1] ?? m[2])!);
    if (target && inScope.has(target)) out.add(target);
  }
  edges.set(f, [...out]);
}

// Tarjan's strongly connected components: every component of more than one file (or a file
// importing itself) is a cycle.
let index = 0;
const idx = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const cycles: string[][] = [];
function visit(v: string): void {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
  }
  if (low.get(v) === idx.get(v)) {
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(scc);
  }
}
for (const f of files) if (!idx.has(f)) visit(f);

const rel = (f: string) => path.relative(root, f);
if (cycles.length) {
  for (const c of cycles) console.error(`import cycle: ${c.map(rel).sort().join(' <-> ')}`);
  process.exit(1);
}
console.log(`no import cycle among ${files.length} files under ${folders.map(rel).join(', ')}`);
