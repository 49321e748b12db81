/**
 * Connection to Temporal: the embedded dev server, a cluster or Temporal Cloud
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS, TEMPORAL_API_KEY).
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from './config';

type TemporalCfg = Pick<Config, 'temporalNamespace' | 'temporalTls' | 'temporalApiKey'>;

const connectOptions = (address: string, cfg: TemporalCfg) => ({
  address,
  ...(cfg.temporalTls || cfg.temporalApiKey ? { tls: true } : {}),
  ...(cfg.temporalApiKey ? { apiKey: cfg.temporalApiKey } : {}),
});

export async function connectClient(address: string, cfg: TemporalCfg): Promise<Client> {
  const connection = await Connection.connect(connectOptions(address, cfg));
  return new Client({ connection, namespace: cfg.temporalNamespace });
}

export async function connectWorkerConnection(address: string, cfg: TemporalCfg): Promise<NativeConnection> {
  return NativeConnection.connect(connectOptions(address, cfg));
}
