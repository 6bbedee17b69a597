// A PXELINUX configuration file as the lab's firmware reads it when a chained document is not an iPXE script
// (Ironic's `pxe` boot interface writes these to pxelinux.cfg/01-<mac>). Only what picks and boots one entry is
// understood: default, label, kernel/linux, initrd, append (with initrd=), ipappend and localboot. Menus, prompts and
// timeouts are ignored because nobody sits at the lab's console to choose.

export interface PxelinuxEntry {
  label: string;
  kernel?: string;
  /** The append line as written (PXELINUX hands it to the kernel whole, initrd= included). */
  append: string;
  /** From `initrd` lines and `initrd=a,b` in the append line, in that order. */
  initrds: string[];
  /** PXELINUX's IPAPPEND flags: bit 2 adds BOOTIF=01-<mac> to the command line. */
  ipappend: number;
  /** `localboot`: leave the network boot for the local disk. */
  localboot: boolean;
}

export interface PxelinuxConfig {
  default?: string;
  entries: PxelinuxEntry[];
}

export function parsePxelinux(text: string): PxelinuxConfig {
  const config: PxelinuxConfig = { entries: [] };
  let globalIpappend = 0;
  let current: PxelinuxEntry | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const keyword = m[1].toLowerCase();
    const rest = m[2].trim();
    switch (keyword) {
      case 'default':
        config.default = rest.split(/\s+/)[0];
        break;
      case 'label':
        current = { label: rest, append: '', initrds: [], ipappend: globalIpappend, localboot: false };
        config.entries.push(current);
        break;
      case 'kernel':
      case 'linux':
        if (current) current.kernel = rest.split(/\s+/)[0];
        break;
      case 'initrd':
        if (current) current.initrds.push(...rest.split(',').filter((s) => s !== ''));
        break;
      case 'append':
        if (current) {
          current.append = rest;
          for (const word of rest.split(/\s+/)) {
            if (word.startsWith('initrd=')) current.initrds.push(...word.slice(7).split(',').filter((s) => s !== ''));
          }
        }
        break;
      case 'ipappend':
      case 'sysappend': {
        const n = Number(rest);
        if (Number.isInteger(n)) {
          if (current) current.ipappend = n;
          else globalIpappend = n;
        }
        break;
      }
      case 'localboot':
        if (current) current.localboot = true;
        break;
      default:
        break; // menu, prompt, timeout, say, ...: nothing to do without someone at the console
    }
  }
  return config;
}

/** The entry PXELINUX would boot unattended: the default label, else the first one. */
export function pxelinuxChoice(config: PxelinuxConfig): PxelinuxEntry | undefined {
  const byDefault = config.default === undefined ? undefined : config.entries.find((e) => e.label === config.default);
  return byDefault ?? config.entries[0];
}
