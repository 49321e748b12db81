import { Loaded, Page, useOperator, Scroll, TableHead } from '../components';
import { formatCents, formatShare } from '../lib/money';
import { kindLabel } from '../lib/tree';

interface AccountCfg {
  share: number;
  instrument: string;
  deltaMin: number;
  deltaMax: number;
  underlyings: string[];
  entryWeekdays: number[];
  targetWeeklyPremium: number;
  concentrationLimit: number;
  cashBuffer: number;
}
interface ConfigData {
  protocol: { accounts: Record<string, AccountCfg>; fork: { thresholdCents: number }; merge: { thresholdCents: number }; [k: string]: unknown };
  environment: string[];
  note: string;
}
const DAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri'];

export function Configuration() {
  const q = useOperator<ConfigData>('/cc/config');
  return (
    <Page title="Configuration">
      <Loaded q={q} what="the configuration">
        {(d) => (
          <>
            <p className="note">Shown read-only: {d.note}.</p>
            <h2>Accounts</h2>
            <Scroll label="Account settings">
              <table>
                <TableHead
                  caption="Protocol configuration per account kind"
                  cols={['Account', 'Share', 'Instrument', 'Delta band', 'Underlyings', 'Entry days', 'Target premium / week', 'Concentration limit', 'Cash buffer']}
                />
                <tbody>
                  {Object.entries(d.protocol.accounts).map(([k, a]) => (
                    <tr key={k}>
                      <th scope="row">{kindLabel(k)}</th>
                      <td>{formatShare(a.share)}</td>
                      <td>{a.instrument}</td>
                      <td>
                        {a.deltaMin.toFixed(2)}–{a.deltaMax.toFixed(2)}
                      </td>
                      <td>{a.underlyings.join(', ')}</td>
                      <td>{a.entryWeekdays.map((w) => DAYS[w] ?? w).join(', ')}</td>
                      <td>{formatShare(a.targetWeeklyPremium)}</td>
                      <td>{formatShare(a.concentrationLimit)}</td>
                      <td>{formatShare(a.cashBuffer)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Scroll>
            <dl className="kv wide">
              <dt>Fork threshold</dt>
              <dd>{formatCents(d.protocol.fork.thresholdCents)}</dd>
              <dt>Merge threshold</dt>
              <dd>{formatCents(d.protocol.merge.thresholdCents)}</dd>
            </dl>
            <details>
              <summary>Every protocol setting (JSON)</summary>
              <pre tabIndex={0} aria-label="Protocol settings as JSON">
                {JSON.stringify(d.protocol, null, 2)}
              </pre>
            </details>
            <h2>Process environment</h2>
            <p className="muted small">As printed at start; secrets are masked.</p>
            <pre className="env" tabIndex={0} aria-label="Process environment">
              {d.environment.join('\n')}
            </pre>
          </>
        )}
      </Loaded>
    </Page>
  );
}
