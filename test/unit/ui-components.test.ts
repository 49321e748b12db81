/**
 * The command center's React components in jsdom (@testing-library/react, under mocha + tsx):
 * nothing but the login page without a token, a refused token, the account tree rendered from
 * the overview endpoint (forks nested, money exact, the trading state), level badges coloured,
 * and a 401 returning to the login page. fetch is a stub answering like the operator API.
 * The UI sources are loaded at run time (require of a computed path) so the Node project's
 * type-check does not compile the browser code (ui/tsconfig.json does: `npm run ui:typecheck`);
 * their .tsx files are transpiled here with TypeScript's automatic JSX runtime, as Vite does
 * (tsx would apply the root tsconfig, which has no JSX setting, to files outside its include).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import ts from 'typescript';

// Modules loaded at run time (after jsdom is installed) and DOM nodes, asserted with chai.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as test/integration/_system.ts's Json
type Json = any;

const UI = path.resolve(__dirname, '..', '..', 'ui', 'src');
const TOKEN = 'component-test-token-0123456789';

type Handler = (url: string, init: RequestInit) => { status: number; body: unknown };

describe('command center: React components in jsdom', function () {
  this.timeout(30_000);
  let dom: JSDOM;
  let rtl: Json;
  let React: Json;
  let QueryClient: Json;
  let QueryClientProvider: Json;
  let App: Json;
  let LevelBadge: Json;
  let handler: Handler;
  const calls: { url: string; auth: string | null }[] = [];
  const saved: Record<string, PropertyDescriptor | undefined> = {};

  const setGlobal = (k: string, v: unknown) => {
    saved[k] = Object.getOwnPropertyDescriptor(globalThis, k);
    Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  };

  before(() => {
    dom = new JSDOM('<!doctype html><html lang="en"><body><div id="root"></div></body></html>', { url: 'http://127.0.0.1/ui/', pretendToBeVisual: true });
    const w = dom.window as unknown as Record<string, unknown>;
    for (const k of [
      'window',
      'document',
      'navigator',
      'sessionStorage',
      'HTMLElement',
      'HTMLDialogElement',
      'Node',
      'Element',
      'Event',
      'PopStateEvent',
      'MouseEvent',
      'KeyboardEvent',
      'getComputedStyle',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'MutationObserver',
      'DocumentFragment',
    ])
      setGlobal(k, k === 'window' ? dom.window : w[k]);
    setGlobal('IS_REACT_ACT_ENVIRONMENT', true);
    setGlobal('fetch', async (url: string, init: RequestInit = {}) => {
      const auth = new Headers(init.headers).get('authorization');
      calls.push({ url, auth });
      const r = handler(url, init);
      return new Response(JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json' } });
    });
    const exts = require.extensions as Record<string, (m: NodeJS.Module & { _compile(code: string, file: string): void }, file: string) => void>;
    const previous = exts['.tsx'];
    saved.tsxHook = { value: previous };
    exts['.tsx'] = (m, file) => {
      if (!file.startsWith(UI)) return previous!(m, file);
      const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { jsx: ts.JsxEmit.ReactJSX, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      m._compile(out.outputText, file);
    };
    /* eslint-disable @typescript-eslint/no-require-imports */
    React = require('react');
    rtl = require('@testing-library/react');
    ({ QueryClient, QueryClientProvider } = require('@tanstack/react-query'));
    ({ App } = require(path.join(UI, 'App.tsx')));
    ({ LevelBadge } = require(path.join(UI, 'components.tsx')));
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  afterEach(() => {
    rtl.cleanup();
    dom.window.sessionStorage.clear();
    calls.length = 0;
  });
  after(() => {
    (require.extensions as Record<string, unknown>)['.tsx'] = saved.tsxHook?.value;
    delete saved.tsxHook;
    for (const [k, d] of Object.entries(saved)) {
      if (d) Object.defineProperty(globalThis, k, d);
      else delete (globalThis as Record<string, unknown>)[k];
    }
    dom.window.close();
  });

  const render = () => rtl.render(React.createElement(QueryClientProvider, { client: new QueryClient({ defaultOptions: { queries: { retry: false } } }) }, React.createElement(App)));
  const family = (id: string, parent: string | null, createdAt: string, kinds: string[], cash: number) => ({
    id,
    name: id,
    parentFamilyId: parent,
    status: 'OPEN',
    createdAt,
    accounts: kinds.map((k) => ({ id: `${id}:${k}`, kind: k, status: 'OPEN', baseCents: cash, cashCents: cash, equityCents: cash, bufferCents: Math.ceil(cash / 20), bufferShare: 0.05 })),
  });
  const overview = {
    families: [family('ACME/2026-W05', 'ACME', '2026-02-01T00:00:00Z', ['GEN', 'COM'], 625_000), family('ACME', null, '2026-01-01T00:00:00Z', ['COM', 'GEN', 'REV'], 30_000_029)],
    transfers: [
      { key: 'FORK:ACME:2026-W05:ACME/2026-W05:GEN', familyId: 'ACME', reason: 'FORK', from: 'ACME:GEN', to: 'ACME/2026-W05:GEN', amountCents: 625_000, week: '2026-W05', at: '2026-01-30T21:00:00Z' },
    ],
    control: { global: { scope: 'global', halted: true, reduceOnly: false, reason: 'maintenance', updatedBy: 'operator:alice' }, scopes: [] },
    broker: { connected: false },
    cycle: { scheduleId: 'all-use-weekly-cycle', paused: false, lastRunAt: null, lastWorkflowId: null, nextRunAt: '2026-02-06T21:30:00.000Z', error: null },
    temporal: { namespace: 'default', uiUrl: null },
  };

  it('when no token is stored, then only the login page renders and no operator data is requested', async () => {
    handler = () => ({ status: 500, body: {} });
    const r = render();
    expect(r.getByLabelText('Operator token')).to.not.equal(null);
    expect(r.queryByRole('navigation')).to.equal(null);
    expect(calls).to.deep.equal([]);
  });

  it('when the token is refused, then the login page says so and keeps nothing; the right one opens the overview tree', async () => {
    handler = (url, init) => {
      const ok = new Headers(init.headers).get('authorization') === `Bearer ${TOKEN}`;
      if (!ok) return { status: 401, body: { error: { code: 'OPERATOR_UNAUTHORIZED', message: 'no' } } };
      if (url.endsWith('/status')) return { status: 200, body: { global: overview.control.global, scopes: [] } };
      if (url.endsWith('/cc/overview')) return { status: 200, body: overview };
      return { status: 404, body: { error: { code: 'NOT_FOUND', message: url } } };
    };
    const r = render();
    rtl.fireEvent.change(r.getByLabelText('Operator token'), { target: { value: 'wrong-token-wrong-token-wrong' } });
    rtl.fireEvent.click(r.getByRole('button', { name: 'Log in' }));
    await r.findByText('That operator token was refused.');
    expect(dom.window.sessionStorage.getItem('allUse.operatorToken')).to.equal(null);

    rtl.fireEvent.change(r.getByLabelText('Operator token'), { target: { value: TOKEN } });
    rtl.fireEvent.click(r.getByRole('button', { name: 'Log in' }));
    await r.findByRole('heading', { level: 1, name: 'Overview' });
    await r.findByTestId('family-ACME');
    expect(r.getByTestId('trading-state').textContent).to.equal('HALTED');
    expect(r.getByText('DISCONNECTED')).to.not.equal(null);
    // the root first, its fork nested after it, accounts Gen → Rev → Com, cents exact
    const families = [...r.container.querySelectorAll('li.family')].map((li: Json) => li.getAttribute('data-testid'));
    expect(families).to.deep.equal(['family-ACME', 'family-ACME/2026-W05']);
    const root = r.getByTestId('family-ACME');
    expect([...root.querySelectorAll('tbody th')].map((th: Json) => th.textContent)).to.deep.equal(['Gen-Acc ACME:GEN', 'Rev-Acc ACME:REV', 'Com-Acc ACME:COM']);
    expect(root.textContent).to.include('$300,000.29');
    expect(root.textContent).to.include('equity $900,000.87');
    expect(root.textContent).to.include('with forks $912,500.87');
    expect(r.getByTestId('family-ACME/2026-W05').textContent).to.include('fork of ACME');
    expect(r.getByTestId('family-ACME/2026-W05').style.marginLeft).to.equal('1.5rem');
    expect(calls.filter((c) => c.url.includes('/cc/')).every((c) => c.auth === `Bearer ${TOKEN}`)).to.equal(true);
  });

  it('when a later request answers 401, then the session is cleared and the login page returns', async () => {
    dom.window.sessionStorage.setItem('allUse.operatorToken', 'rotated-token-rotated-token-xx');
    handler = () => ({ status: 401, body: { error: { code: 'OPERATOR_UNAUTHORIZED', message: 'no' } } });
    const r = render();
    await r.findByLabelText('Operator token');
    expect(dom.window.sessionStorage.getItem('allUse.operatorToken')).to.equal(null);
  });

  it('when the operator runs a weekly cycle from the Control page, then the confirmed range is posted with the operator name; a bad name is refused first', async () => {
    const proto = (dom.window as Json).HTMLDialogElement.prototype;
    proto.showModal ??= function (this: Json) {
      this.setAttribute('open', '');
    };
    proto.close ??= function (this: Json) {
      this.removeAttribute('open');
    };
    dom.window.sessionStorage.setItem('allUse.operatorToken', TOKEN);
    dom.window.history.pushState(null, '', '/ui/control');
    const posts: { url: string; body: unknown; operator: string | null }[] = [];
    handler = (url, init) => {
      if (init.method === 'POST') {
        posts.push({ url, body: JSON.parse(String(init.body as string)), operator: new Headers(init.headers).get('x-operator') });
        return { status: 202, body: { workflow_id: 'weekly-run:x' } };
      }
      return { status: 200, body: { ...overview, control: { global: { ...overview.control.global, halted: false }, scopes: [] } } };
    };
    const r = render();
    await r.findByRole('heading', { level: 1, name: 'Control' });
    rtl.fireEvent.change(await r.findByLabelText('From'), { target: { value: '2026-01-05' } });
    rtl.fireEvent.change(r.getByLabelText('To'), { target: { value: '2026-01-30' } });
    rtl.fireEvent.click(r.getByRole('button', { name: 'Run cycle…' }));
    const dialog = await r.findByRole('dialog');
    expect(dialog.textContent).to.include('Run the weekly cycle 2026-01-05 → 2026-01-30?');
    rtl.fireEvent.change(rtl.within(dialog).getByLabelText('Your name (written to the audit log)'), { target: { value: 'bad name!' } });
    rtl.fireEvent.click(rtl.within(dialog).getByRole('button', { name: 'Run the cycle' }));
    await rtl.within(dialog).findByText(/Your name: letters/);
    expect(posts).to.deep.equal([]);
    rtl.fireEvent.change(rtl.within(dialog).getByLabelText('Your name (written to the audit log)'), { target: { value: 'bob' } });
    rtl.fireEvent.click(rtl.within(dialog).getByRole('button', { name: 'Run the cycle' }));
    await r.findByText('Run the weekly cycle 2026-01-05 → 2026-01-30: done');
    expect(posts).to.deep.equal([{ url: '/api/v1/operator/cycle/run', body: { from: '2026-01-05', to: '2026-01-30' }, operator: 'bob' }]);
    dom.window.history.pushState(null, '', '/ui/');
  });

  it('when a level badge renders, then it carries the level colour, label and explanation', () => {
    const r = rtl.render(React.createElement('div', null, React.createElement(LevelBadge, { level: 3 }), React.createElement(LevelBadge, { level: null })));
    const [l3, na] = [...r.container.querySelectorAll('.badge')] as Json[];
    expect([l3.textContent, l3.style.background, l3.style.color]).to.deep.equal(['L3 recovery', 'rgb(179, 38, 30)', 'rgb(255, 255, 255)']);
    expect(l3.getAttribute('title')).to.match(/^level 3/);
    expect(na.textContent).to.equal('n/a');
  });
});
