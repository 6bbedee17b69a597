import type { JsonObject } from '../node.js';

/** One problem found in an enrollment file: which node (null for the document itself), which field, and why. */
export interface EnrollmentProblem {
  /** Position of the node in the file's `nodes` list; null when the problem is the document's own. */
  index: number | null;
  /** The field as the file names it (`pm_addr`, `mac[1]`, `ports[0].address`), or `document`. */
  field: string;
  message: string;
  /** Line in the file, when the problem is a syntax error. */
  line?: number;
}

export type EnrollmentFormat = 'instackenv' | 'ironic';

export interface PortSpec {
  address: string;
  /** Where the file gave it (`mac[0]`, `ports[1]`), for messages. */
  source: string;
  /** Other port fields as Ironic's POST /v1/ports takes them (pxe_enabled, physical_network, ...). */
  fields: JsonObject;
}

export interface PortgroupSpec {
  /** Ironic's POST /v1/portgroups fields (name, address, mode, properties, ...), without `ports`. */
  fields: JsonObject;
  ports: PortSpec[];
}

/** What one entry of the file asks for, in Ironic's own vocabulary. */
export interface NodeSpec {
  index: number;
  /** The body of a node create (driver, driver_info, properties, name, ...), as POST /v1/nodes takes it. */
  node: JsonObject;
  /** Fields a new node gets when the file leaves them out; an enrolled node keeps its own. */
  createDefaults: JsonObject;
  ports: PortSpec[];
  portgroups: PortgroupSpec[];
  traits: string[] | null;
  /** Things the operator should hear about that did not stop the entry (a legacy pm_type, an ignored key). */
  warnings: string[];
}

export interface EnrollmentDocument {
  format: EnrollmentFormat;
  nodes: NodeSpec[];
}

/**
 * Either the whole file, understood, or every problem found in it, with the nodes that were understood (so that
 * later checks can report their problems in the same answer).
 */
export type EnrollmentReading =
  | { ok: true; document: EnrollmentDocument }
  | { ok: false; format: EnrollmentFormat | null; problems: EnrollmentProblem[]; nodes: NodeSpec[] };

export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value's kind as an operator would name it, for "expected X, got Y" messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}
