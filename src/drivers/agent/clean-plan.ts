/**
 * Which of the agent's clean steps run, in which order. Pure. Automated cleaning runs every step whose priority
 * (the operator's `[deploy] <step>_priority` when set, else the agent's) is above zero, highest first, as Ironic
 * does; manual cleaning runs exactly the steps asked for, in the order asked, each of which the agent must offer.
 */
import { InvalidParameterValue } from '../../domain/errors.js';
import type { JsonObject } from '../../domain/node.js';

/** A step field as text, for names and messages (steps come from JSON: a field may be anything). */
export function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? '';
}

export function planCleanSteps(
  offered: readonly JsonObject[], requested: readonly JsonObject[] | null, overrides: Readonly<Record<string, number | undefined>>,
): JsonObject[] {
  const byName = new Map(offered.filter((s) => s.interface === 'deploy').map((s) => [text(s.step), s]));
  if (requested !== null) {
    return requested.map((r) => {
      const known = byName.get(text(r.step));
      if (!known) {
        throw new InvalidParameterValue(
          `Clean step deploy.${text(r.step)} is not offered by the node's agent (it offers: ${[...byName.keys()].sort().join(', ') || 'none'})`,
        );
      }
      return { interface: 'deploy', step: text(r.step), args: r.args ?? {}, priority: 0, abortable: known.abortable ?? false };
    });
  }
  const plan: JsonObject[] = [];
  for (const [name, s] of byName) {
    const override = overrides[name];
    const priority = override ?? (typeof s.priority === 'number' ? s.priority : 0);
    if (priority <= 0) continue;
    plan.push({ interface: 'deploy', step: name, args: {}, priority, abortable: s.abortable ?? false });
  }
  // Equal priorities keep the agent's order (sort is stable).
  return plan.sort((a, b) => (b.priority as number) - (a.priority as number));
}
