/** The operator's session in the browser: the bearer token and the operator's name (sessionStorage; gone with the tab). */
export interface KeyValueStore {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

const TOKEN = 'allUse.operatorToken';
const NAME = 'allUse.operatorName';
export const OPERATOR_NAME_RE = /^[\w.@-]{1,64}$/;

export function sessionOf(store: KeyValueStore) {
  return {
    token: () => store.getItem(TOKEN),
    setToken: (t: string) => store.setItem(TOKEN, t.trim()),
    name: () => store.getItem(NAME) ?? '',
    setName: (n: string) => {
      if (!OPERATOR_NAME_RE.test(n)) throw new RangeError('letters, digits, _ . @ - (1–64)');
      store.setItem(NAME, n);
    },
    clear: () => {
      store.removeItem(TOKEN);
    },
  };
}
