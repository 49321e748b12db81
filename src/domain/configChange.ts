/**
 * Changes to the protocol configuration as data: the list of differences between two
 * configurations (what `ops config diff` and the audit row show), and `key=value` edits
 * (`ops config set accounts.GEN.deltaMin=0.3`) applied to a plain object. Pure.
 */
export interface ConfigDifference {
  path: string;
  from: unknown;
  to: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every leaf that differs, by dotted path; arrays compare as whole values (underlyings are a list). */
export function diffConfigs(a: unknown, b: unknown, prefix = ''): ConfigDifference[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffConfigs(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: prefix || '(root)', from: a, to: b }];
}

/** `path=value` with value as JSON (numbers, arrays, strings in quotes) or, failing that, a bare string. */
export function parseAssignment(text: string): { path: string[]; value: unknown } {
  const at = text.indexOf('=');
  if (at <= 0) throw new Error(`expected key=value, got "${text}"`);
  const path = text.slice(0, at).trim().split('.');
  if (path.some((p) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(p))) throw new Error(`not a configuration key: "${text.slice(0, at)}"`);
  const raw = text.slice(at + 1).trim();
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  return { path, value };
}

/** A copy of `base` with each assignment applied (missing objects on the way are created). */
export function applyAssignments(base: unknown, assignments: { path: string[]; value: unknown }[]): Record<string, unknown> {
  const out = structuredClone(isObject(base) ? base : {});
  for (const { path, value } of assignments) {
    let node: Record<string, unknown> = out;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      node = node[key] = isObject(next) ? next : {};
    }
    node[path.at(-1)!] = value;
  }
  return out;
}
