import { bmcIdentity } from './bmc-identity.js';
import { parseDocumentText, type TextSyntax } from './document-text.js';
import { readInstackenvNode } from './instackenv.js';
import { readIronicNode } from './ironic-create.js';
import {
  isObject, kindOf, type EnrollmentFormat, type EnrollmentProblem, type EnrollmentReading, type NodeSpec,
} from './enrollment-types.js';

/** Keys only instackenv nodes have; a node with any of them makes the file an instackenv file. */
const INSTACKENV_MARKERS = ['pm_type', 'pm_addr', 'pm_user', 'pm_password', 'pm_port', 'pm_system_id', 'mac'];
/** Keys only Ironic's create format has. */
const IRONIC_MARKERS = ['driver', 'driver_info', 'properties', 'portgroups'];

/**
 * Which format a document is in, by its nodes' keys: TripleO's `pm_*`/`mac` or Ironic's `driver`/`driver_info`.
 * A file mixing both is refused rather than guessed at.
 */
export function detectFormat(nodes: unknown[]): EnrollmentFormat | { error: string } {
  let instack = false;
  let ironic = false;
  for (const n of nodes) {
    if (!isObject(n)) continue;
    instack ||= INSTACKENV_MARKERS.some((k) => k in n);
    ironic ||= IRONIC_MARKERS.some((k) => k in n);
  }
  if (instack && ironic) return { error: 'the nodes mix instackenv keys (pm_type, pm_addr, mac, ...) and Ironic create keys (driver, driver_info, ...): use one format per file' };
  if (ironic) return 'ironic';
  if (instack) return 'instackenv';
  return { error: 'cannot tell the format: nodes need pm_type (instackenv) or driver (Ironic create format)' };
}

/**
 * Reads a whole enrollment file and checks it before anything is enrolled: syntax, shape, each node's fields, and
 * what must be unique across the file (MAC addresses, names, BMCs). Either every node is understood or every
 * problem is reported, each with its node's index and field.
 */
export function readEnrollment(text: string, syntax?: TextSyntax): EnrollmentReading {
  const parsed = parseDocumentText(text, syntax);
  if ('problem' in parsed) return { ok: false, format: null, problems: [parsed.problem], nodes: [] };
  const doc = parsed.value;
  if (!isObject(doc)) return refuse(null, `the file must hold an object with a "nodes" list, got ${kindOf(doc)}`);
  const extra = Object.keys(doc).filter((k) => k !== 'nodes');
  const problems: EnrollmentProblem[] = [];
  for (const key of extra) {
    // Ironic's create format also takes chassis; enrollment creates nodes only (chassis have their own API).
    problems.push({ index: null, field: key, message: key === 'chassis' ? 'chassis are not enrolled from a file; create them with POST /v1/chassis and give nodes a chassis_uuid' : `unknown top-level key ${key}: only "nodes" is read` });
  }
  if (!Array.isArray(doc.nodes)) return refuse(null, `"nodes" must be a list, got ${kindOf(doc.nodes)}`, problems);
  if (doc.nodes.length === 0) return refuse(null, 'the file lists no nodes', problems);
  const format = detectFormat(doc.nodes);
  if (typeof format !== 'string') return refuse(null, format.error, problems);
  const specs: NodeSpec[] = [];
  doc.nodes.forEach((raw, i) => {
    const spec = format === 'instackenv' ? readInstackenvNode(raw, i, problems) : readIronicNode(raw, i, problems);
    if (spec) specs.push(spec);
  });
  checkUniqueAcrossFile(specs, problems);
  if (problems.length > 0) {
    problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
    return { ok: false, format, problems, nodes: specs };
  }
  return { ok: true, document: { format, nodes: specs } };
}

function refuse(format: EnrollmentFormat | null, message: string, earlier: EnrollmentProblem[] = []): EnrollmentReading {
  return { ok: false, format, problems: [...earlier, { index: null, field: 'nodes', message }], nodes: [] };
}

/** A MAC, name or BMC given twice in one file is a copy-paste slip: both nodes are reported. */
function checkUniqueAcrossFile(specs: NodeSpec[], problems: EnrollmentProblem[]): void {
  const seen = new Map<string, { index: number; field: string }>();
  const claim = (key: string, index: number, field: string, what: string) => {
    const first = seen.get(key);
    if (!first) {
      seen.set(key, { index, field });
      return;
    }
    if (first.index === index) {
      problems.push({ index, field, message: `${what} is given twice in this node (also ${first.field})` });
    } else {
      problems.push({ index, field, message: `${what} is also given for node ${first.index} (${first.field})` });
    }
  };
  for (const spec of specs) {
    for (const p of [...spec.ports, ...spec.portgroups.flatMap((g) => g.ports)]) {
      claim(`mac ${p.address}`, spec.index, p.source, `MAC address ${p.address}`);
    }
    const name = spec.node.name;
    if (typeof name === 'string') claim(`name ${name}`, spec.index, 'name', `name ${name}`);
    const driverInfo = spec.node.driver_info;
    const bmc = typeof spec.node.driver === 'string' && isObject(driverInfo) ? bmcIdentity(spec.node.driver, driverInfo) : null;
    if (bmc) claim(`bmc ${bmc}`, spec.index, 'driver_info', `BMC ${bmc.replace(/^\w+ /, '')}`);
  }
}
