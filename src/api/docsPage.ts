/**
 * GET /api/v1/docs: a self-contained HTML page rendered from the OpenAPI document (no CDN,
 * no script; helmet's CSP allows the inline style). Every value is HTML-escaped.
 */
/** The OpenAPI document as parsed JSON, read through the small typed accessors below. */
type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const entries = (v: unknown): [string, Json][] => Object.entries(obj(v) ?? {}).flatMap(([k, x]) => (obj(x) ? [[k, obj(x)!] as [string, Json]] : []));
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pre = (v: unknown) => `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`;

function resolve(doc: Json, schema: Json | undefined): Json | undefined {
  const ref = typeof schema?.$ref === 'string' ? schema.$ref : undefined;
  return ref ? obj(obj(obj(doc.components)?.schemas)?.[ref.split('/').pop()!]) : schema;
}

function fields(doc: Json, schema: Json | undefined): string {
  const s = resolve(doc, schema);
  if (!obj(s?.properties)) return s ? pre(s) : '';
  const req = new Set<string>(Array.isArray(s!.required) ? s!.required.filter((x): x is string => typeof x === 'string') : []);
  const rows = entries(s!.properties).map(([name, p]) => {
    const ref = typeof p.$ref === 'string' ? (p.$ref.split('/').pop() ?? '') : '';
    const type = Array.isArray(p.enum) ? p.enum.map(text).join(' | ') : Array.isArray(p.type) ? p.type.map(text).join(' | ') : p.type !== undefined ? text(p.type) : p.anyOf ? 'one of' : ref;
    return `<tr><td><code>${esc(name)}</code>${req.has(name) ? ' *' : ''}</td><td>${esc(type)}</td><td>${esc(text(p.description))}</td></tr>`;
  });
  return `<table><tr><th>field</th><th>type</th><th>notes</th></tr>${rows.join('')}</table>`;
}

export function renderDocs(document: object): string {
  const doc = document as Json;
  const ops: string[] = [];
  for (const [path, item] of entries(doc.paths)) {
    for (const [method, op] of entries(item)) {
      const body = entries(obj(op.requestBody)?.content)[0]?.[1];
      const responses = entries(op.responses)
        .map(([code, r]) => {
          const c = obj(obj(r.content)?.['application/json']);
          return `<li><b>${esc(code)}</b> ${esc(text(r.description))}${c?.example !== undefined ? pre(c.example) : ''}</li>`;
        })
        .join('');
      ops.push(`<section id="${esc(method + path)}"><h2><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>
<p>${esc(text(op.summary))}</p>${op.description ? `<p>${esc(text(op.description))}</p>` : ''}
${body ? `<h3>Request body</h3>${fields(doc, obj(body.schema))}${body.example !== undefined ? `<h4>Example</h4>${pre(body.example)}` : ''}` : ''}
<h3>Responses</h3><ul>${responses}</ul></section>`);
    }
  }
  const toc = entries(doc.paths)
    .map(([p, item]) => `<li><a href="#${esc((Object.keys(item)[0] ?? '') + p)}">${esc(p)}</a></li>`)
    .join('');
  const info = obj(doc.info) ?? {};
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(text(info.title))}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f5f5f5;padding:.6rem;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
.m{background:#225;color:#fff;padding:0 .4rem;border-radius:3px}section{border-top:1px solid #ccc;margin-top:1.5rem}</style></head>
<body><h1>${esc(text(info.title))} <small>${esc(text(info.version))}</small></h1><p>${esc(text(info.description))}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${esc(text(doc.openapi))}).</p><ul>${toc}</ul>${ops.join('\n')}</body></html>`;
}
