import { Page } from '../components';

export function Data() {
  return (
    <Page title="Data">
      <p className="note">No market-data store exists yet: storage, freshness and quality per symbol arrive with the market-data pipeline (issue 15). This page shows what exists today.</p>
      <dl className="kv wide">
        <dt>Quotes and bars</dt>
        <dd>
          Read live from the broker session (the IB gateway, or the bundled simulator under <code>npm start</code>) when an activity needs them; nothing is stored.
        </dd>
        <dt>Fills and positions</dt>
        <dd>PostgreSQL (instructions, orders, executions, positions): see Orders and Positions.</dd>
        <dt>Backtest history</dt>
        <dd>
          The npm package <code>vega-datasets</code> (daily S&amp;P 500 2000–2020, monthly closes of five stocks 2000–2010), read by <code>npm run backtest</code>.
        </dd>
      </dl>
    </Page>
  );
}
