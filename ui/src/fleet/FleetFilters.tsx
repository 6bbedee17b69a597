import type { FleetQuery } from './fleet-query.ts';

interface Props {
  query: FleetQuery;
  drivers: string[];
  owners: string[];
  onChange: (q: FleetQuery) => void;
}

/** Filters besides the state bar's: free text (focused by "/"), power, driver, maintenance, owner. */
export function FleetFilters({ query, drivers, owners, onChange }: Props) {
  const set = <K extends keyof FleetQuery>(key: K, value: FleetQuery[K]) => onChange({ ...query, [key]: value });
  const filtered = query.states.length > 0 || query.power !== 'any' || query.driver || query.maintenance !== 'any' || query.owner || query.text;
  return (
    <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
      <label className="grow">Search
        <input id="fleet-search" type="search" value={query.text} placeholder="name, UUID, owner, error…  ( / )"
          onChange={(e) => set('text', e.target.value)} />
      </label>
      <label>Power
        <select value={query.power} onChange={(e) => set('power', e.target.value as FleetQuery['power'])}>
          <option value="any">any</option>
          <option value="power on">on</option>
          <option value="power off">off</option>
          <option value="unknown">unknown</option>
        </select>
      </label>
      <label>Driver
        <select value={query.driver} onChange={(e) => set('driver', e.target.value)}>
          <option value="">any</option>
          {drivers.map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
      </label>
      <label>Maintenance
        <select value={query.maintenance} onChange={(e) => set('maintenance', e.target.value as FleetQuery['maintenance'])}>
          <option value="any">any</option>
          <option value="yes">yes</option>
          <option value="no">no</option>
        </select>
      </label>
      <label>Owner
        <select value={query.owner} onChange={(e) => set('owner', e.target.value)}>
          <option value="">any</option>
          {owners.map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      </label>
      {filtered && (
        <button type="button" onClick={() => onChange({ ...query, states: [], power: 'any', driver: '', maintenance: 'any', owner: '', text: '' })}>
          Clear filters
        </button>
      )}
    </form>
  );
}
