import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { api, errorText } from '../api/client.ts';
import { fleet } from '../fleet/fleet-store.ts';
import { stateTone, type FleetNode } from '../fleet/fleet-query.ts';
import { stepProgress } from './node-actions.ts';
import { NodeActions } from './NodeActions.tsx';
import { Fields } from './Fields.tsx';

/** A node as GET /v1/nodes/{node} gives it: the fleet's fields and the documents the page shows besides. */
export type Node = Record<string, unknown> & FleetNode & {
  driver_internal_info: Record<string, unknown>;
  instance_info: Record<string, unknown>;
  properties: Record<string, unknown>;
  driver_info: Record<string, unknown>;
  extra: Record<string, unknown>;
};

interface Port {
  uuid: string;
  address: string;
  pxe_enabled: boolean;
  physical_network: string | null;
  local_link_connection: Record<string, unknown>;
  portgroup_uuid: string | null;
}

interface HistoryEvent {
  uuid: string;
  created_at: string;
  severity: string;
  event: string;
  event_type: string;
  conductor: string | null;
}

const GENERAL = [
  'uuid', 'name', 'driver', 'resource_class', 'owner', 'lessee', 'conductor_group', 'conductor', 'reservation',
  'chassis_uuid', 'parent_node', 'shard', 'description', 'boot_mode', 'secure_boot', 'console_enabled',
  'automated_clean', 'protected', 'retired', 'created_at', 'updated_at', 'provision_updated_at',
  'inspection_started_at', 'inspection_finished_at',
];

/** One node: its state live, its current step, actions, every field (secrets masked), ports and history. */
export function NodePage({ ident }: { ident: string }) {
  const [node, setNode] = useState<Node>();
  const [ports, setPorts] = useState<Port[]>([]);
  const [history, setHistory] = useState<HistoryEvent[]>([]);
  const [error, setError] = useState<string>();
  const loading = useRef(false);
  const again = useRef(false);

  const load = useCallback(async () => {
    // One load at a time; changes during a load get one more load after it.
    if (loading.current) {
      again.current = true;
      return;
    }
    loading.current = true;
    try {
      do {
        again.current = false;
        const n = await api<Node>(`/v1/nodes/${encodeURIComponent(ident)}`);
        const [p, h] = await Promise.all([
          api<{ ports: Port[] }>(`/v1/nodes/${n.uuid}/ports/detail`),
          api<{ history: HistoryEvent[] }>(`/v1/nodes/${n.uuid}/history?detail=true`).catch(() => ({ history: [] })),
        ]);
        setNode(n);
        setPorts(p.ports);
        setHistory(h.history);
        setError(undefined);
      } while (again.current);
    } catch (e) {
      setError(errorText(e));
    } finally {
      loading.current = false;
    }
  }, [ident]);

  useEffect(() => {
    setNode(undefined);
    void load();
  }, [load]);

  // The fleet's event stream tells when this node changed: reload it then, never on a timer.
  const row = useSyncExternalStore(fleet.subscribe, () => (node ? fleet.get(node.uuid) : undefined));
  useEffect(() => {
    if (row && node && row.updated_at !== node.updated_at) void load();
  }, [row, node, load]);

  if (error && !node) return <main className="node"><p role="alert" className="error">{error}</p><a href="#/">Back to the fleet</a></main>;
  if (!node) return <main className="node"><p className="muted">Loading…</p></main>;

  const step = node.deploy_step && Object.keys(node.deploy_step).length ? { kind: 'Deploy', step: node.deploy_step, plan: node.driver_internal_info.deploy_steps }
    : node.clean_step && Object.keys(node.clean_step).length ? { kind: 'Clean', step: node.clean_step, plan: node.driver_internal_info.clean_steps }
      : undefined;
  const progress = step ? stepProgress(step.step, step.plan) : undefined;
  const interfaces = Object.keys(node).filter((k) => k.endsWith('_interface')).sort();

  return (
    <main className="node">
      <nav aria-label="Breadcrumb"><a href="#/">Fleet</a> / <span>{node.name ?? node.uuid}</span></nav>
      <header className="node-head">
        <h1>{node.name ?? node.uuid}</h1>
        <span className={`badge big tone-${stateTone(node.provision_state)}`} data-testid="node-state">{node.provision_state}</span>
        {node.target_provision_state && <span className="muted">→ {node.target_provision_state}</span>}
        <span className="power" data-testid="node-power">{node.power_state ?? 'power unknown'}</span>
        {node.maintenance && <span className="badge tone-wait">maintenance{node.maintenance_reason ? `: ${node.maintenance_reason}` : ''}</span>}
      </header>
      <p className="muted mono">{node.uuid}</p>
      {error && <p role="alert" className="error">{error}</p>}
      {node.last_error && (
        <section className="last-error" role="alert" aria-label="Last error">
          <h2>Last error</h2>
          <p data-testid="last-error">{node.last_error}</p>
        </section>
      )}
      {step && (
        <section aria-label="Current step" className="step">
          <h2>{step.kind} step</h2>
          <p className="mono">{String(step.step.interface)}.{String(step.step.step)}{progress ? ` (${progress.index + 1} of ${progress.total})` : ''}</p>
          {progress && <progress max={progress.total} value={progress.index + 1}>{progress.index + 1} of {progress.total}</progress>}
        </section>
      )}
      <NodeActions node={node} onChanged={() => void load()} />
      <div className="columns">
        <section aria-labelledby="h-general"><h2 id="h-general">Node</h2><Fields data={node} keys={GENERAL.filter((k) => k in node)} label="Node fields" /></section>
        <section aria-labelledby="h-interfaces"><h2 id="h-interfaces">Interfaces</h2><Fields data={node} keys={interfaces} label="Interfaces" /></section>
      </div>
      <div className="columns">
        <section aria-labelledby="h-driver-info"><h2 id="h-driver-info">Driver info</h2><Fields data={node.driver_info} label="Driver info" /></section>
        <section aria-labelledby="h-properties"><h2 id="h-properties">Properties</h2><Fields data={node.properties} label="Properties" /></section>
      </div>
      <div className="columns">
        <section aria-labelledby="h-instance"><h2 id="h-instance">Instance info</h2><Fields data={node.instance_info} label="Instance info" /></section>
        <section aria-labelledby="h-extra"><h2 id="h-extra">Extra</h2><Fields data={node.extra} label="Extra" /></section>
      </div>
      <section aria-labelledby="h-ports">
        <h2 id="h-ports">Ports</h2>
        {ports.length === 0 ? <p className="muted">No ports.</p> : (
          <table className="simple">
            <thead><tr><th>MAC address</th><th>PXE</th><th>Physical network</th><th>Switch</th><th>UUID</th></tr></thead>
            <tbody>
              {ports.map((p) => (
                <tr key={p.uuid}>
                  <td className="mono">{p.address}</td>
                  <td>{p.pxe_enabled ? 'yes' : 'no'}</td>
                  <td>{p.physical_network ?? '—'}</td>
                  <td className="mono">{Object.keys(p.local_link_connection ?? {}).length ? JSON.stringify(p.local_link_connection) : '—'}</td>
                  <td className="mono muted">{p.uuid}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="h-history">
        <h2 id="h-history">History</h2>
        {history.length === 0 ? <p className="muted">No history yet.</p> : (
          <table className="simple">
            <thead><tr><th>When</th><th>Severity</th><th>Event</th><th>Type</th><th>Conductor</th></tr></thead>
            <tbody>
              {[...history].reverse().map((h) => (
                <tr key={h.uuid} className={h.severity === 'ERROR' ? 'error' : undefined}>
                  <td>{new Date(h.created_at).toLocaleString()}</td><td>{h.severity}</td><td>{h.event}</td><td>{h.event_type}</td><td>{h.conductor ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <details>
        <summary>Driver internal info</summary>
        <Fields data={node.driver_internal_info} label="Driver internal info" />
      </details>
    </main>
  );
}
