/** Rejects with "<what> timed out after <ms> ms" unless `p` settles first (the timer never outlives it). */
export function withTimeout<T>(p: Promise<T>, ms: number, what = 'market data'): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
