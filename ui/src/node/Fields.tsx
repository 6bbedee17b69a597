/** Keys whose values are never shown, should an API answer ever carry one unmasked. */
const SECRET_KEY = /pass(word)?|secret|token|private_key/i;

export function maskSecrets(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key) && value !== null && value !== '') return '******';
  return value;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, null, 1);
}

/** A definition list of fields; nested values print as JSON. Secrets are masked whatever the API sent. */
export function Fields({ data, keys, label }: { data: Record<string, unknown>; keys?: string[]; label: string }) {
  const entries = (keys ?? Object.keys(data).sort()).map((k) => [k, maskSecrets(k, data[k])] as const);
  if (entries.length === 0) return <p className="muted">{label}: none</p>;
  return (
    <dl className="fields" aria-label={label}>
      {entries.map(([k, v]) => (
        <div key={k} className="field">
          <dt>{k}</dt>
          <dd className={typeof v === 'object' && v !== null ? 'json' : undefined}>{show(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
