import { useDeferredValue, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { replaceFleetParams, nodeHref } from '../app/router.ts';
import { fleet } from './fleet-store.ts';
import { countByState, distinctValues, queryFromParams, queryToParams, selectNodes, type FleetQuery } from './fleet-query.ts';
import { StateBar } from './StateBar.tsx';
import { FleetFilters } from './FleetFilters.tsx';
import { FleetTable } from './FleetTable.tsx';

/** Every node at a glance: counts by state, filters, the sortable list; kept live by the event stream. */
export function FleetView({ params }: { params: URLSearchParams }) {
  const version = useSyncExternalStore(fleet.subscribe, fleet.getVersion);
  const [query, setQuery] = useState<FleetQuery>(() => queryFromParams(params));
  // Typing stays responsive: the list re-filters with the deferred query.
  const deferred = useDeferredValue(query);
  const status = fleet.status;

  useEffect(() => replaceFleetParams(queryToParams(query)), [query]);

  const all = useMemo(() => [...fleet.nodes.values()], [version]);
  const counts = useMemo(() => countByState(all), [all]);
  const drivers = useMemo(() => distinctValues(all, 'driver'), [all]);
  const owners = useMemo(() => distinctValues(all, 'owner'), [all]);
  const rows = useMemo(() => selectNodes(all, deferred), [all, deferred]);

  useEffect(() => {
    if (status.kind !== 'live') return;
    performance.mark('ferrite:fleet-rendered', { detail: { rows: rows.length, nodes: all.length } });
  }, [rows, all, status.kind]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) {
        e.preventDefault();
        document.getElementById('fleet-search')?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const toggleState = (state: string) => setQuery((q) => ({
    ...q, states: q.states.includes(state) ? q.states.filter((s) => s !== state) : [...q.states, state],
  }));

  return (
    <main className="fleet">
      <div className="fleet-head">
        <h1>Fleet</h1>
        <FleetStatusLine />
      </div>
      <StateBar counts={counts} total={all.length} selected={query.states} onToggle={toggleState} />
      <FleetFilters query={query} drivers={drivers} owners={owners} onChange={setQuery} />
      <p className="muted" aria-live="polite" data-testid="fleet-count">
        {rows.length === all.length ? `${all.length} nodes` : `${rows.length} of ${all.length} nodes`}
      </p>
      <FleetTable rows={rows} query={query}
        onSort={(key) => setQuery((q) => ({ ...q, sort: key, descending: q.sort === key ? !q.descending : false }))}
        onOpen={(uuid) => { location.hash = nodeHref(uuid); }} />
    </main>
  );
}

function FleetStatusLine() {
  useSyncExternalStore(fleet.subscribe, fleet.getVersion);
  const s = fleet.status;
  const text = s.kind === 'live' ? 'live' : s.kind === 'loading' ? 'loading…' : s.kind === 'reconnecting' ? `reconnecting (${s.detail})` : s.detail;
  return <span className={`status status-${s.kind}`} role="status" data-testid="fleet-status">{text}</span>;
}
