import { useState, type ReactNode } from 'react';
import { api, errorText } from '../api/client.ts';
import { ConfirmDialog } from '../app/ConfirmDialog.tsx';
import { BOOT_DEVICES, imagePatch, provisionActions, type HashAlgo, type ProvisionAction } from './node-actions.ts';
import type { Node } from './NodePage.tsx';

interface Pending {
  title: string;
  confirmLabel: string;
  danger: boolean;
  body?: ReactNode;
  run(): Promise<void>;
}

const DEFAULT_CLEAN_STEPS = '[{"interface": "deploy", "step": "erase_devices_metadata"}]';

/**
 * The node's actions: provision verbs its state allows, power, maintenance, boot device. Destructive ones ask
 * first; every answer of the API, refusals included, is shown as the API gave it.
 */
export function NodeActions({ node, onChanged }: { node: Node; onChanged: () => void }) {
  const [pending, setPending] = useState<Pending>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const path = `/v1/nodes/${node.uuid}`;

  const run = async (what: string, fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await fn();
      setNotice(`${what}: accepted`);
      setPending(undefined);
      onChanged();
    } catch (e) {
      setError(`${what}: ${errorText(e)}`);
      setPending(undefined);
    } finally {
      setBusy(false);
    }
  };
  const ask = (p: Pending) => setPending(p);
  const provision = (target: string, extra: Record<string, unknown> = {}) =>
    api(`${path}/states/provision`, { method: 'PUT', body: { target, ...extra } }).then(() => undefined);
  const power = (target: string) => api(`${path}/states/power`, { method: 'PUT', body: { target } }).then(() => undefined);

  const onProvision = (a: ProvisionAction) => {
    if (a.verb === 'active') return ask(deployDialog(node, (url, algo, sum) => run('Deploy', async () => {
      await api(path, { method: 'PATCH', body: imagePatch(node.instance_info, url, algo, sum) });
      await provision('active');
    })));
    if (a.verb === 'clean') return ask(cleanDialog((text) => run('Clean', () => provision('clean', { clean_steps: parseSteps(text) }))));
    if (a.destructive) {
      return ask({
        title: `${a.label} ${node.name ?? node.uuid}?`, confirmLabel: a.label, danger: true,
        body: <p>{a.verb === 'deleted' ? 'The instance is torn down and the node cleaned.' : a.verb === 'abort' ? 'The running action stops and the node goes to its failure state.' : 'The node is redeployed from its image; its disk is overwritten.'}</p>,
        run: () => run(a.label, () => provision(a.verb)),
      });
    }
    void run(a.label, () => provision(a.verb));
  };

  return (
    <section className="actions" aria-labelledby="h-actions">
      <h2 id="h-actions">Actions</h2>
      <div className="action-groups">
        <div role="group" aria-label="Provision">
          {provisionActions(node.provision_state).map((a) => (
            <button key={a.verb} type="button" className={a.destructive ? 'danger-outline' : 'primary'} disabled={busy} onClick={() => onProvision(a)}>{a.label}</button>
          ))}
        </div>
        <div role="group" aria-label="Power">
          <button type="button" disabled={busy} onClick={() => void run('Power on', () => power('power on'))}>Power on</button>
          <button type="button" className="danger-outline" disabled={busy} onClick={() => ask({
            title: `Power off ${node.name ?? node.uuid}?`, confirmLabel: 'Power off', danger: true,
            body: <p>The server is switched off at once, whatever it runs.</p>, run: () => run('Power off', () => power('power off')),
          })}>Power off</button>
          <button type="button" className="danger-outline" disabled={busy} onClick={() => ask({
            title: `Reboot ${node.name ?? node.uuid}?`, confirmLabel: 'Reboot', danger: true,
            body: <p>The server is reset at once, whatever it runs.</p>, run: () => run('Reboot', () => power('rebooting')),
          })}>Reboot</button>
        </div>
        <div role="group" aria-label="Maintenance">
          {node.maintenance
            ? <button type="button" disabled={busy} onClick={() => void run('Leave maintenance', () => api(`${path}/maintenance`, { method: 'DELETE' }).then(() => undefined))}>Leave maintenance</button>
            : <button type="button" disabled={busy} onClick={() => ask(maintenanceDialog((reason) => run('Maintenance', () => api(`${path}/maintenance`, { method: 'PUT', body: reason ? { reason } : {} }).then(() => undefined))))}>Maintenance…</button>}
          <button type="button" disabled={busy} onClick={() => ask(bootDeviceDialog((device, persistent) => run('Boot device', () => api(`${path}/management/boot_device`, { method: 'PUT', body: { boot_device: device, persistent } }).then(() => undefined))))}>Boot device…</button>
        </div>
      </div>
      {error && <p role="alert" className="error" data-testid="action-error">{error}</p>}
      {notice && !error && <p role="status" className="muted">{notice}</p>}
      {pending && (
        <ConfirmDialog title={pending.title} confirmLabel={pending.confirmLabel} danger={pending.danger} busy={busy}
          onConfirm={() => void pending.run()} onCancel={() => setPending(undefined)}>
          {pending.body}
        </ConfirmDialog>
      )}
    </section>
  );
}

/** Dialog bodies hold their inputs in the form; the confirm handler reads them from there. */
function formValue(id: string): string {
  const el = document.getElementById(id) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null;
  return el?.value ?? '';
}

function deployDialog(node: Node, go: (url: string, algo: HashAlgo, checksum: string) => Promise<void>): Pending {
  const info = node.instance_info;
  const url = typeof info.image_source === 'string' ? info.image_source : '';
  const algo = typeof info.image_os_hash_algo === 'string' ? info.image_os_hash_algo : typeof info.image_checksum === 'string' ? 'legacy' : 'sha256';
  const sum = typeof info.image_os_hash_value === 'string' ? info.image_os_hash_value : typeof info.image_checksum === 'string' ? info.image_checksum : '';
  return {
    title: `Deploy ${node.name ?? node.uuid}`, confirmLabel: 'Deploy', danger: false,
    body: (
      <>
        <label>Image URL<input id="deploy-url" type="url" required defaultValue={url} placeholder="http://images.example/disk.img" /></label>
        <label>Checksum algorithm
          <select id="deploy-algo" defaultValue={algo}>
            <option value="sha256">sha256</option><option value="sha512">sha512</option><option value="md5">md5</option>
            <option value="legacy">image_checksum (hash or checksum file URL)</option>
          </select>
        </label>
        <label>Checksum<input id="deploy-checksum" required defaultValue={sum} className="mono" /></label>
        <p className="muted">The disk of the server is overwritten with this image.</p>
      </>
    ),
    run: () => go(formValue('deploy-url').trim(), formValue('deploy-algo') as HashAlgo, formValue('deploy-checksum').trim()),
  };
}

function parseSteps(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('The clean steps are not valid JSON.');
  }
}

function cleanDialog(go: (text: string) => Promise<void>): Pending {
  return {
    title: 'Clean this node', confirmLabel: 'Clean', danger: true,
    body: (
      <>
        <label>Clean steps (JSON)<textarea id="clean-steps" rows={4} className="mono" defaultValue={DEFAULT_CLEAN_STEPS} /></label>
        <p className="muted">Cleaning runs these steps on the server; erase steps destroy the disk's data.</p>
      </>
    ),
    run: () => go(formValue('clean-steps')),
  };
}

function maintenanceDialog(go: (reason: string) => Promise<void>): Pending {
  return {
    title: 'Put the node in maintenance', confirmLabel: 'Set maintenance', danger: false,
    body: <label>Reason<input id="maintenance-reason" placeholder="why (shown to everyone)" /></label>,
    run: () => go(formValue('maintenance-reason').trim()),
  };
}

function bootDeviceDialog(go: (device: string, persistent: boolean) => Promise<void>): Pending {
  return {
    title: 'Set the boot device', confirmLabel: 'Set', danger: false,
    body: (
      <>
        <label>Device<select id="boot-device">{BOOT_DEVICES.map((d) => <option key={d}>{d}</option>)}</select></label>
        <label className="inline"><input id="boot-persistent" type="checkbox" /> Persistent (every boot, not just the next)</label>
      </>
    ),
    run: () => go(formValue('boot-device'), (document.getElementById('boot-persistent') as HTMLInputElement | null)?.checked ?? false),
  };
}
