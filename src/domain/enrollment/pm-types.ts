/**
 * TripleO's `pm_type` names and what Ferrite makes of them. TripleO accepts hardware type names and the classic
 * driver names Ironic dropped in Rocky (`pxe_ipmitool`, `agent_ipmitool`, ...), replacing the latter with the
 * hardware type that took over; Ferrite does the same with the hardware types it has.
 */
export interface PmTypeMapping {
  /** The hardware type the node gets. */
  driver: 'ipmi' | 'redfish' | 'fake-hardware';
  /** Prefix of driver_info keys passed through as they are (`ipmi_` passes `ipmi_cipher_suite`). */
  prefix: 'ipmi_' | 'redfish_' | null;
  /** Set when the name was a legacy one: told back to the operator so the inventory gets updated. */
  legacy?: string;
}

/** Hardware types Ironic has and Ferrite lacks: refused by name, with what to use instead. */
const MISSING_TYPES: [RegExp, string][] = [
  [/^(ilo\d?|.*_ilo)$/, 'HPE iLO (ilo) is not a Ferrite hardware type; iLO 5 and later speak Redfish: use pm_type redfish'],
  [/^(irmc|.*_irmc)$/, 'Fujitsu iRMC (irmc) is not a Ferrite hardware type; use pm_type ipmi or redfish'],
  [/^(idrac|.*_drac)$/, 'Dell iDRAC (idrac) is not a Ferrite hardware type; iDRAC speaks Redfish (system /redfish/v1/Systems/System.Embedded.1) and IPMI: use pm_type redfish or ipmi'],
  [/^(manual-management)$/, 'manual-management is not a Ferrite hardware type; use fake-hardware for nodes without a BMC'],
  [/^(staging-.*|.*_ssh|.*_iboot|.*_wol|.*_amt|xclarity|ibmc|.*_ucs|cisco-ucs.*|snmp|.*_snmp)$/, 'this hardware type is not available in Ferrite; Ferrite has ipmi, redfish and fake-hardware'],
];

export function mapPmType(pmType: string): PmTypeMapping | { error: string } {
  const t = pmType.trim();
  if (t === 'ipmi') return { driver: 'ipmi', prefix: 'ipmi_' };
  if (t === 'redfish') return { driver: 'redfish', prefix: 'redfish_' };
  if (t === 'fake-hardware' || t === 'fake') return { driver: 'fake-hardware', prefix: null, ...(t === 'fake' ? { legacy: t } : {}) };
  // Classic drivers named after their deploy method and ipmitool (pxe_ipmitool, agent_ipmitool, iscsi_ipmitool,
  // pxe_ipmitool_socat, pxe_ipminative): all became the ipmi hardware type.
  if (/^[a-z]+_ipmi(tool|native)(_socat)?$/.test(t)) return { driver: 'ipmi', prefix: 'ipmi_', legacy: t };
  if (/^[a-z]+_redfish$/.test(t)) return { driver: 'redfish', prefix: 'redfish_', legacy: t };
  // fake_pxe/fake_agent were "no power control" drivers: fake-hardware is the closest Ferrite has.
  if (/^fake_[a-z_]+$/.test(t)) return { driver: 'fake-hardware', prefix: null, legacy: t };
  for (const [re, why] of MISSING_TYPES) if (re.test(t)) return { error: `unsupported pm_type "${t}": ${why}` };
  return { error: `unknown pm_type "${t}": Ferrite has ipmi, redfish and fake-hardware (legacy names such as pxe_ipmitool map to ipmi)` };
}
