import { stateTone } from './fleet-query.ts';

interface Props {
  counts: [string, number][];
  total: number;
  selected: readonly string[];
  onToggle: (state: string) => void;
}

/** Nodes by provision state as one bar; each segment (and its legend entry) toggles that state's filter. */
export function StateBar({ counts, total, selected, onToggle }: Props) {
  return (
    <section className="state-bar" aria-label="Nodes by provision state">
      <div className="bar" aria-hidden="true">
        {counts.map(([state, count]) => (
          <span key={state} className={`segment tone-${stateTone(state)}`} style={{ flexGrow: count }} title={`${state}: ${count}`} />
        ))}
      </div>
      <ul className="legend">
        {counts.map(([state, count]) => (
          <li key={state}>
            <button type="button" className={`chip tone-${stateTone(state)}`} aria-pressed={selected.includes(state)}
              onClick={() => onToggle(state)} data-state={state}>
              {state} <strong>{count}</strong>
            </button>
          </li>
        ))}
        <li className="muted total" aria-live="polite">{total} nodes</li>
      </ul>
    </section>
  );
}
