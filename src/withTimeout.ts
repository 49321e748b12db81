/**
 * Rejects with "<what>: no answer within <ms> ms" unless `p` settles first (the timer never
 * outlives it). Readiness checks, marks, market-data answers and the risk check's quote use it.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what = 'market data'): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
