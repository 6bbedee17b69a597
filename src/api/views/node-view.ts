import { NODE_FIELD_SINCE, NODE_LIST_FIELDS, type Node } from '../../domain/node.js';
import { maskInstanceInfo, maskSecrets, mayNeedMasking } from '../../domain/secrets.js';
import type { RowTable } from '../../store/database.js';
import { nodeCodec } from '../../store/repositories/node-repository.js';
import { resourceLinks } from '../links.js';

export interface NodeViewContext {
  minor: number;
  base: string;
  /** The conductor that manages the node (1.49's `conductor` field). */
  conductorOf(node: Pick<Node, 'driver' | 'conductor_group'>): string | null;
}

const DETAIL_FIELDS_BY_MINOR = new Map<number, string[]>();

/** Every field of the node document at `minor`, in Ironic's order of appearance. */
export function nodeDetailFields(minor: number): string[] {
  let fields = DETAIL_FIELDS_BY_MINOR.get(minor);
  if (!fields) {
    fields = Object.entries(NODE_FIELD_SINCE).filter(([, since]) => since <= minor).map(([f]) => f);
    DETAIL_FIELDS_BY_MINOR.set(minor, fields);
  }
  return fields;
}

export function nodeListFields(minor: number): string[] {
  return NODE_LIST_FIELDS.filter((f) => NODE_FIELD_SINCE[f] <= minor);
}

const COMPUTED = new Set(['links', 'ports', 'portgroups', 'states', 'volume', 'conductor', 'instance_name', 'health']);

/** The stored columns a document of `fields` is made from (a short list need not read whole rows). */
export function nodeColumns(fields: readonly string[]): string[] {
  const columns = new Set(['id', 'uuid', 'driver', 'conductor_group']);
  for (const f of fields) if (!COMPUTED.has(f)) columns.add(f);
  return [...columns];
}

function subLinks(base: string, uuid: string, sub: string) {
  return [
    { href: `${base}/v1/nodes/${uuid}/${sub}`, rel: 'self' },
    { href: `${base}/nodes/${uuid}/${sub}`, rel: 'bookmark' },
  ];
}

function fieldValue(node: Node, field: string, ctx: NodeViewContext): unknown {
  switch (field) {
    case 'links': return resourceLinks(ctx.base, 'nodes', node.uuid);
    case 'ports':
    case 'portgroups':
    case 'states':
    case 'volume':
      return subLinks(ctx.base, node.uuid, field);
    case 'driver_info': return maskSecrets(node.driver_info);
    case 'driver_internal_info': return maskSecrets(node.driver_internal_info);
    case 'instance_info': return maskInstanceInfo(node.instance_info);
    case 'conductor': return ctx.conductorOf(node);
    // Before 1.2 the available state was called NOSTATE and shown as null.
    case 'provision_state': return ctx.minor < 2 && node.provision_state === 'available' ? null : node.provision_state;
    case 'target_provision_state':
      return ctx.minor < 2 && node.target_provision_state === 'available' ? null : node.target_provision_state;
    case 'instance_name':
    case 'health':
      return null;
    default: return (node as unknown as Record<string, unknown>)[field] ?? null;
  }
}

/** The node document a client sees at its microversion: the requested fields, and always `links`. */
export function nodeView(node: Node, ctx: NodeViewContext, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = fieldValue(node, f, ctx);
  if (!('links' in out)) out.links = resourceLinks(ctx.base, 'nodes', node.uuid);
  return out;
}

/** The `/states` document of a node. */
export function nodeStatesView(node: Node, ctx: NodeViewContext): Record<string, unknown> {
  const out: Record<string, unknown> = {
    console_enabled: node.console_enabled,
    last_error: node.last_error,
    power_state: node.power_state,
    provision_state: fieldValue(node, 'provision_state', ctx),
    provision_updated_at: node.provision_updated_at,
    target_power_state: node.target_power_state,
    target_provision_state: fieldValue(node, 'target_provision_state', ctx),
  };
  if (ctx.minor >= 12) {
    out.raid_config = node.raid_config;
    out.target_raid_config = node.target_raid_config;
  }
  if (ctx.minor >= 75) {
    out.boot_mode = node.boot_mode;
    out.secure_boot = node.secure_boot;
  }
  return out;
}

const JSON_COLUMNS = new Set(nodeCodec.json);
const BOOL_COLUMNS = new Set(nodeCodec.bools);
const MASKS: Partial<Record<string, (doc: Node['driver_info']) => Node['driver_info']>> = {
  driver_info: maskSecrets, driver_internal_info: maskSecrets, instance_info: maskInstanceInfo,
};
const esc = JSON.stringify;

/**
 * The same documents as `nodeView`, written straight to JSON text from stored rows (arrays, documents as JSON
 * text): a listing of a thousand nodes costs no object per row and no parse of documents that hold nothing to
 * mask. The output parses to exactly what `nodeView` gives for the same nodes.
 */
export function nodeTableJson(table: RowTable, ctx: NodeViewContext, fields: readonly string[]): string[] {
  // Without rows a driver may not report columns either.
  if (table.rows.length === 0) return [];
  const col = new Map(table.columns.map((c, i) => [c, i]));
  const at = (name: string) => {
    const i = col.get(name);
    if (i === undefined) throw new Error(`node column ${name} was not read`);
    return i;
  };
  const uuidAt = at('uuid');
  const linkBase = (uuid: string, sub: string) => {
    const path = sub ? `nodes/${uuid}/${sub}` : `nodes/${uuid}`;
    return `[{"href":${esc(`${ctx.base}/v1/${path}`)},"rel":"self"},{"href":${esc(`${ctx.base}/${path}`)},"rel":"bookmark"}]`;
  };
  type Writer = (row: unknown[]) => string;
  const writers: Writer[] = [];
  const all = fields.includes('links') ? fields : [...fields, 'links'];
  for (const field of all) {
    const prefix = `${writers.length === 0 ? '{' : ','}${esc(field)}:`;
    let w: Writer;
    switch (field) {
      case 'links': w = (r) => linkBase(r[uuidAt] as string, ''); break;
      case 'ports': case 'portgroups': case 'states': case 'volume':
        w = (r) => linkBase(r[uuidAt] as string, field);
        break;
      case 'conductor': {
        const d = at('driver');
        const g = at('conductor_group');
        w = (r) => esc(ctx.conductorOf({ driver: r[d] as string, conductor_group: r[g] as string }));
        break;
      }
      case 'instance_name': case 'health': w = () => 'null'; break;
      case 'provision_state': case 'target_provision_state': {
        const i = at(field);
        w = (r) => (r[i] === null || (ctx.minor < 2 && r[i] === 'available') ? 'null' : esc(r[i]));
        break;
      }
      default: {
        const i = at(field);
        const mask = MASKS[field];
        if (JSON_COLUMNS.has(field)) {
          w = (r) => {
            const v = r[i];
            if (v === null || v === undefined) return 'null';
            const text = typeof v === 'string' ? v : esc(v);
            return mask && mayNeedMasking(text) ? esc(mask(JSON.parse(text) as Node['driver_info'])) : text;
          };
        } else if (BOOL_COLUMNS.has(field)) {
          w = (r) => (r[i] === null || r[i] === undefined ? 'null' : r[i] ? 'true' : 'false');
        } else {
          w = (r) => (r[i] === null || r[i] === undefined ? 'null' : esc(r[i]));
        }
      }
    }
    writers.push((r) => prefix + w(r));
  }
  const out: string[] = [];
  for (const row of table.rows) {
    let s = '';
    for (const w of writers) s += w(row);
    out.push(`${s}}`);
  }
  return out;
}
