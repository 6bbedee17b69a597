/**
 * What the agent reads from the kernel command line it was booted with (the words Ironic's boot interfaces write):
 * where the API is, where to send inspection data, and which NIC the server network-booted from (BOOTIF).
 * Words the agent does not know (console settings, operator additions) are ignored, as IPA ignores them.
 */
export interface AgentBootParams {
  apiUrl?: string;
  inspectionCallbackUrl?: string;
  /** BOOTIF as PXELINUX/iPXE give it: `01-aa-bb-cc-dd-ee-ff` (01 = Ethernet). */
  bootInterface?: string;
}

export function parseKernelCmdline(cmdline: string): AgentBootParams {
  const out: AgentBootParams = {};
  for (const word of cmdline.trim().split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq <= 0) continue;
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (value === '') continue;
    if (key === 'ipa-api-url') out.apiUrl = value.replace(/\/+$/, '');
    else if (key === 'ipa-inspection-callback-url') out.inspectionCallbackUrl = value;
    else if (key === 'BOOTIF') out.bootInterface = value.toLowerCase();
  }
  return out;
}

/** The MAC a BOOTIF word names (`01-aa-bb-..` → `aa:bb:..`), or undefined when it names none. */
export function macFromBootif(bootif: string | undefined): string | undefined {
  const m = /^(?:01-)?((?:[0-9a-f]{2}[-:]){5}[0-9a-f]{2})$/i.exec(bootif ?? '');
  return m ? m[1].replace(/-/g, ':').toLowerCase() : undefined;
}
