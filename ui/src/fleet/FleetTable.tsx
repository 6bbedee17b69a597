import { useRef, useState, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { nodeHref } from '../app/router.ts';
import { stateTone, type FleetNode, type FleetQuery, type SortKey } from './fleet-query.ts';

const ROW_HEIGHT = 34;

const COLUMNS: { key: SortKey | null; label: string; className: string }[] = [
  { key: 'name', label: 'Name', className: 'c-name' },
  { key: 'provision_state', label: 'Provision state', className: 'c-state' },
  { key: 'power_state', label: 'Power', className: 'c-power' },
  { key: 'driver', label: 'Driver', className: 'c-driver' },
  { key: 'owner', label: 'Owner', className: 'c-owner' },
  { key: null, label: 'Step / last error', className: 'c-info' },
  { key: 'updated_at', label: 'Updated', className: 'c-updated' },
];

function stepText(step: Record<string, unknown> | null): string | undefined {
  if (!step || typeof step.step !== 'string') return undefined;
  return `${typeof step.interface === 'string' ? step.interface : ''}.${step.step}`;
}

function timeText(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

interface Props {
  rows: FleetNode[];
  query: FleetQuery;
  onSort: (key: SortKey) => void;
  onOpen: (uuid: string) => void;
}

/**
 * The node list, virtualised: only the rows in view exist in the DOM, so 10,000 nodes cost what 30 do. Keyboard:
 * focus the list, arrows / Page keys / Home / End move, Enter opens the node.
 */
export function FleetTable({ rows, query, onSort, onOpen }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => rows[i].uuid,
  });
  const current = Math.min(active, Math.max(rows.length - 1, 0));

  const move = (to: number) => {
    const i = Math.max(0, Math.min(rows.length - 1, to));
    setActive(i);
    virtualizer.scrollToIndex(i, { align: 'auto' });
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 340) / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(current + 1), ArrowUp: () => move(current - 1),
      PageDown: () => move(current + page), PageUp: () => move(current - page),
      Home: () => move(0), End: () => move(rows.length - 1),
      Enter: () => rows[current] && onOpen(rows[current].uuid),
    };
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  };

  return (
    <div className="fleet-table" role="table" aria-label="Nodes" aria-rowcount={rows.length + 1}>
      <div className="row head" role="row">
        {COLUMNS.map((c) => (
          <div key={c.label} role="columnheader" className={`cell ${c.className}`}
            aria-sort={c.key === query.sort ? (query.descending ? 'descending' : 'ascending') : undefined}>
            {c.key ? (
              <button type="button" className="sort" onClick={() => onSort(c.key!)}>
                {c.label}{c.key === query.sort ? (query.descending ? ' ▼' : ' ▲') : ''}
              </button>
            ) : c.label}
          </div>
        ))}
      </div>
      <div ref={scrollRef} className="rows" tabIndex={0} onKeyDown={onKeyDown} role="rowgroup"
        aria-activedescendant={rows[current] ? `row-${rows[current].uuid}` : undefined} data-testid="fleet-rows">
        {rows.length === 0 && <p className="empty muted">No node matches.</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const n = rows[item.index];
            const step = stepText(n.deploy_step) ?? stepText(n.clean_step);
            return (
              <div key={item.key} id={`row-${n.uuid}`} role="row" aria-rowindex={item.index + 2}
                className={`row${item.index === current ? ' active' : ''}${n.maintenance ? ' maintenance' : ''}`}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                data-uuid={n.uuid} onClick={() => setActive(item.index)}>
                <div role="cell" className="cell c-name">
                  <a href={nodeHref(n.uuid)} tabIndex={-1}>{n.name ?? n.uuid}</a>
                  {n.maintenance && (
                    <span className="maint" title={`maintenance${n.maintenance_reason ? `: ${n.maintenance_reason}` : ''}`}>
                      {' ⚠'}<span className="visually-hidden"> maintenance</span>
                    </span>
                  )}
                </div>
                <div role="cell" className="cell c-state">
                  <span className={`badge tone-${stateTone(n.provision_state)}`}>{n.provision_state}</span>
                  {n.target_provision_state && <span className="muted"> → {n.target_provision_state}</span>}
                </div>
                <div role="cell" className="cell c-power">
                  {n.power_state ?? '—'}{n.target_power_state && <span className="muted"> → {n.target_power_state}</span>}
                </div>
                <div role="cell" className="cell c-driver">{n.driver}</div>
                <div role="cell" className="cell c-owner">{n.owner ?? ''}</div>
                <div role="cell" className={`cell c-info${n.last_error && !step ? ' error' : ''}`} title={n.last_error ?? step ?? ''}>
                  {step ?? n.last_error ?? ''}
                </div>
                <div role="cell" className="cell c-updated muted">{timeText(n.updated_at)}</div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
