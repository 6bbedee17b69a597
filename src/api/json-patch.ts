import jsonpatch from 'fast-json-patch';
import { InvalidParameterValue, NotAcceptable, PatchError } from '../domain/errors.js';

export interface PatchRules {
  /** Top-level fields a client may patch. */
  patchable: ReadonlySet<string>;
  /** Fields that cannot be removed (they have no default). */
  mandatory?: ReadonlySet<string>;
  /** Minor version each field appeared in; patching a newer field is 406. */
  since?: Readonly<Record<string, number>>;
  minor: number;
}

// Ironic's JSON-patch type accepts these three operations only.
const OPS = new Set(['add', 'replace', 'remove']);
// Ironic's patch path syntax (word characters and '-' between slashes): no escapes, dots or empty parts.
const PATH_RE = /^(\/[\p{L}\p{N}_-]+)+$/u;

function topField(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new PatchError(`Invalid patch path ${String(path)}: a path must start with '/'.`);
  }
  if (!PATH_RE.test(path)) {
    throw new PatchError(`Invalid patch path ${path}: each part must be letters, digits, '_' or '-'.`);
  }
  return path.slice(1).split('/')[0] ?? '';
}

/**
 * Applies an RFC 6902 patch to a resource document with Ironic's rules: only patchable top-level fields, no
 * removal of mandatory ones, newer fields refused at older versions. Returns the patched document and the names
 * of the top-level fields that changed. The input document is not modified.
 */
export function applyResourcePatch(
  doc: Record<string, unknown>, patch: unknown, rules: PatchRules,
): { doc: Record<string, unknown>; changed: string[] } {
  if (!Array.isArray(patch) || patch.length === 0) {
    throw new PatchError('Invalid patch: the body must be a non-empty JSON list of operations.');
  }
  for (const op of patch as unknown[]) {
    if (op === null || typeof op !== 'object' || Array.isArray(op)) throw new PatchError('Invalid patch: each operation must be an object.');
    const o = op as Record<string, unknown>;
    if (typeof o.op !== 'string' || !OPS.has(o.op)) throw new PatchError(`Invalid patch operation ${JSON.stringify(o.op ?? null)}.`);
    const extra = Object.keys(o).filter((k) => !['op', 'path', 'value'].includes(k));
    if (extra.length > 0) throw new PatchError(`Invalid patch: unexpected key(s) ${extra.join(', ')}.`);
    if ((o.op === 'add' || o.op === 'replace') && !('value' in o)) {
      throw new PatchError(`Invalid patch: '${o.op}' of ${String(o.path)} needs a value.`);
    }
    const paths = [o.path];
    for (const path of paths) {
      const field = topField(path);
      if (field === '' || !rules.patchable.has(field)) {
        throw new InvalidParameterValue(`Cannot patch ${String(path)}. Only the following can be updated: ${[...rules.patchable].sort().join(', ')}`);
      }
      const since = rules.since?.[field];
      if (since !== undefined && since > rules.minor) throw new NotAcceptable(`Field ${field} is not available at API version 1.${rules.minor}.`);
      if (o.op === 'remove' && rules.mandatory?.has(field) && path === `/${field}`) {
        throw new InvalidParameterValue(`Cannot remove mandatory field ${String(path)}.`);
      }
    }
  }
  let patched: Record<string, unknown>;
  try {
    patched = jsonpatch.applyPatch(jsonpatch.deepClone(doc) as object, patch as jsonpatch.Operation[], true, false).newDocument as Record<string, unknown>;
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new PatchError(`Couldn't apply patch '${JSON.stringify(patch)}'. Reason: ${reason}`);
  }
  const changed: string[] = [];
  for (const key of new Set([...Object.keys(doc), ...Object.keys(patched)])) {
    if (JSON.stringify(doc[key]) !== JSON.stringify(patched[key])) changed.push(key);
  }
  return { doc: patched, changed };
}
