/**
 * GET /api/v1/docs: a self-contained HTML page rendered from the OpenAPI document (no CDN,
 * no script; helmet's CSP allows the inline style). Every value is HTML-escaped.
 */
type Json = Record<string, any>;

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pre = (v: unknown) => `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`;

function resolve(doc: Json, schema: Json | undefined): Json | undefined {
  const ref = schema?.$ref as string | undefined;
  return ref ? doc.components?.schemas?.[ref.split('/').pop()!] : schema;
}

function fields(doc: Json, schema: Json | undefined): string {
  const s = resolve(doc, schema);
  if (!s?.properties) return s ? pre(s) : '';
  const req = new Set<string>(s.required ?? []);
  const rows = Object.entries(s.properties as Record<string, Json>).map(([name, p]) => {
    const type = p.enum ? p.enum.join(' | ') : p.type ?? (p.anyOf ? 'one of' : p.$ref?.split('/').pop() ?? '');
    return `<tr><td><code>${esc(name)}</code>${req.has(name) ? ' *' : ''}</td><td>${esc(Array.isArray(type) ? type.join(' | ') : type)}</td><td>${esc(p.description ?? '')}</td></tr>`;
  });
  return `<table><tr><th>field</th><th>type</th><th>notes</th></tr>${rows.join('')}</table>`;
}

export function renderDocs(doc: Json): string {
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item)) {
      const body = op.requestBody?.content && (Object.values(op.requestBody.content)[0] as Json);
      const responses = Object.entries(op.responses as Record<string, Json>)
        .map(([code, r]) => {
          const c = r.content?.['application/json'];
          return `<li><b>${esc(code)}</b> ${esc(r.description ?? '')}${c?.example !== undefined ? pre(c.example) : ''}</li>`;
        })
        .join('');
      ops.push(`<section id="${esc(method + path)}"><h2><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>
<p>${esc(op.summary ?? '')}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${body ? `<h3>Request body</h3>${fields(doc, body.schema)}${body.example !== undefined ? `<h4>Example</h4>${pre(body.example)}` : ''}` : ''}
<h3>Responses</h3><ul>${responses}</ul></section>`);
    }
  }
  const toc = Object.keys(doc.paths).map((p) => `<li><a href="#${esc(Object.keys(doc.paths[p])[0] + p)}">${esc(p)}</a></li>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f5f5f5;padding:.6rem;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
.m{background:#225;color:#fff;padding:0 .4rem;border-radius:3px}section{border-top:1px solid #ccc;margin-top:1.5rem}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</p><ul>${toc}</ul>${ops.join('\n')}</body></html>`;
}
