// The iPXE subset the lab's firmware runs: enough for Ferrite's and Ironic's boot scripts, with iPXE's own rules for
// what they rely on. Commands are whitespace-separated words after ${setting} expansion; `a || b` runs b when a failed,
// `a && b` when it succeeded (iPXE keeps the last status across skipped commands, and so does this); a failure nothing
// handles ends the script. `chain` runs another document (a PXELINUX file when it lacks the #!ipxe line) and, like
// iPXE, comes back when that script ends without booting. `exit` and `sanboot` leave the network boot for the disk.
// Fetching is the caller's (ScriptIo), so all of this runs in unit tests against documents held in memory.
import { parsePxelinux, pxelinuxChoice } from './pxelinux-config.js';

export interface ImageRef {
  url: string;
  /** iPXE's image name: --name, else the last path segment of the URL. */
  name: string;
}

export interface NetbootImages {
  kernel: ImageRef;
  /** The kernel command line. */
  cmdline: string;
  initrds: ImageRef[];
}

export type ScriptOutcome =
  | { kind: 'boot'; images: NetbootImages }
  /** `exit`, `sanboot` or PXELINUX's localboot: go on to the local disk. */
  | { kind: 'exit'; reason: string }
  | { kind: 'failed'; reason: string };

export interface ScriptIo {
  /** The document at `url` as text; throws an Error whose message says why not (e.g. "HTTP 404 from <url>"). */
  fetchDocument(url: string): Promise<string>;
  /** Downloads an image the script selected (kernel, or the n-th initrd); throws like fetchDocument. */
  fetchImage(url: string, role: 'kernel' | 'initrd', index: number): Promise<void>;
  /** `echo` output and notes on failed commands, one line each. */
  print(line: string): void;
}

export interface ScriptLimits {
  /** How deep chain may nest. */
  maxDepth: number;
  /** Commands run in all, across chained documents: a `goto` loop ends here. */
  maxSteps: number;
}

export const DEFAULT_SCRIPT_LIMITS: ScriptLimits = { maxDepth: 8, maxSteps: 1000 };

/** What the firmware knows about the NIC it boots from. */
export interface NetbootContext {
  macs: string[];
  /** Index into macs of the NIC this boot runs on (`${mac}`, `${netX/...}`). */
  nic: number;
  /** Further settings: uuid, buildarch, platform, ... */
  settings?: Record<string, string>;
}

type Status = { ok: true } | { ok: false; error: string };
const OK: Status = { ok: true };
const fail = (error: string): Status => ({ ok: false, error });

/** Ends the whole run (boot, exit, or a limit) from however deep in chained documents it happens. */
class Halt extends Error {
  constructor(readonly outcome: ScriptOutcome) {
    super(outcome.kind);
  }
}

interface Doc {
  url: string;
  lines: string[];
}

/** Fetches `url` and runs it as the firmware's first document. */
export async function runBootDocument(url: string, ctx: NetbootContext, io: ScriptIo, limits = DEFAULT_SCRIPT_LIMITS): Promise<ScriptOutcome> {
  const run = new ScriptRun(ctx, io, limits);
  try {
    const st = await run.chain(url, 0);
    return { kind: 'failed', reason: st.ok ? `${url} ended without booting` : st.error };
  } catch (e) {
    if (e instanceof Halt) return e.outcome;
    throw e;
  }
}

/** `${name}` and `${name:type}`; unknown settings expand to nothing, as in iPXE. */
export function expandSettings(text: string, lookup: (name: string, type: string | undefined) => string | undefined): string {
  return text.replace(/\$\{([^}:]+)(?::([^}]+))?\}/g, (_m, name: string, type: string | undefined) => lookup(name, type) ?? '');
}

export function formatMac(mac: string, type: string | undefined): string {
  const bytes = mac.toLowerCase().split(/[:-]/);
  switch (type) {
    case 'hexhyp':
      return bytes.join('-');
    case 'hexraw':
      return bytes.join('');
    default:
      return bytes.join(':');
  }
}

class ScriptRun {
  private steps = 0;
  private readonly settings = new Map<string, string>();
  private kernel: { ref: ImageRef; args: string } | undefined;
  private initrds: ImageRef[] = [];

  constructor(private readonly ctx: NetbootContext, private readonly io: ScriptIo, private readonly limits: ScriptLimits) {
    for (const [k, v] of Object.entries(ctx.settings ?? {})) this.settings.set(k, v);
  }

  private lookup(name: string, type: string | undefined): string | undefined {
    const m = /^(?:net(\d+|X)\/)?mac$/.exec(name);
    if (m) {
      const nic = m[1] === undefined || m[1] === 'X' ? this.ctx.nic : Number(m[1]);
      const mac = this.ctx.macs[nic];
      return mac === undefined ? undefined : formatMac(mac, type);
    }
    return this.settings.get(name);
  }

  /** Fetches and runs a document; its status is chain's. */
  async chain(url: string, depth: number): Promise<Status> {
    if (depth >= this.limits.maxDepth) throw new Halt({ kind: 'failed', reason: `chain nested deeper than ${this.limits.maxDepth} at ${url}` });
    let text: string;
    try {
      text = await this.io.fetchDocument(url);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (/^#!ipxe\b/.test(text)) return this.runScript({ url, lines: text.split(/\r?\n/).slice(1) }, depth);
    return this.runPxelinux(text, url);
  }

  private async runPxelinux(text: string, url: string): Promise<Status> {
    const entry = pxelinuxChoice(parsePxelinux(text));
    if (entry === undefined) return fail(`${url} is neither an iPXE script nor a PXELINUX file with a label`);
    if (entry.localboot) throw new Halt({ kind: 'exit', reason: `${url}: label ${entry.label} boots the local disk` });
    if (entry.kernel === undefined) return fail(`${url}: label ${entry.label} has no kernel`);
    const words = entry.append === '' ? [] : entry.append.split(/\s+/);
    const mac = this.ctx.macs[this.ctx.nic];
    // Real PXELINUX appends BOOTIF even when the line has it; an identical second copy would only be noise.
    if ((entry.ipappend & 2) !== 0 && mac !== undefined) {
      const bootif = `BOOTIF=01-${formatMac(mac, 'hexhyp')}`;
      if (!words.includes(bootif)) words.push(bootif);
    }
    this.initrds = [];
    const kernel = await this.loadKernel(resolveUrl(entry.kernel, url), undefined, words.join(' '));
    if (!kernel.status.ok) return kernel.status;
    for (const initrd of entry.initrds) {
      const r = await this.loadInitrd(resolveUrl(initrd, url), undefined);
      if (!r.status.ok) return r.status;
    }
    return this.boot();
  }

  private async runScript(doc: Doc, depth: number): Promise<Status> {
    let pc = 0;
    let last: Status = OK;
    while (pc < doc.lines.length) {
      const line = doc.lines[pc++].trim();
      if (line === '' || line.startsWith('#') || line.startsWith(':')) continue;
      const r = await this.runLine(line, doc, depth);
      last = r.status;
      if (r.replaced) return last;
      if (!last.ok) return last;
      if (r.jump !== undefined) pc = r.jump;
    }
    return last;
  }

  /** One line: commands joined by `||` and `&&`. */
  private async runLine(line: string, doc: Doc, depth: number): Promise<{ status: Status; jump?: number; replaced?: boolean }> {
    const words = expandSettings(line, (n, t) => this.lookup(n, t)).split(/\s+/).filter((w) => w !== '');
    let status: Status = OK;
    let run = true;
    let jump: number | undefined;
    let replaced = false;
    let cmd: string[] = [];
    const flush = async () => {
      if (run && cmd.length > 0) {
        const r = await this.command(cmd, doc, depth);
        status = r.status;
        if (r.jump !== undefined) jump = r.jump;
        if (r.replaced) replaced = true;
        if (!status.ok) this.io.print(`${cmd[0]}: ${status.error}`);
      } else if (run) status = OK; // an empty command (`cmd ||` at the end of a line) succeeds
      cmd = [];
    };
    for (const w of words) {
      if (w === '||' || w === '&&') {
        await flush();
        run = w === '||' ? !status.ok : status.ok;
      } else cmd.push(w);
    }
    await flush();
    return { status, jump, replaced };
  }

  private async command(argv: string[], doc: Doc, depth: number): Promise<{ status: Status; jump?: number; replaced?: boolean }> {
    if (++this.steps > this.limits.maxSteps) {
      throw new Halt({ kind: 'failed', reason: `more than ${this.limits.maxSteps} script commands (a loop?) in ${doc.url}` });
    }
    const [name, ...args] = argv;
    // Only image commands take options: `set x -1` and `echo -n` keep their words.
    const { opts, rest } = IMAGE_COMMANDS.has(name) ? parseOptions(args) : { opts: new Map<string, string>(), rest: args };
    switch (name) {
      case 'echo':
        this.io.print((rest[0] === '-n' ? rest.slice(1) : rest).join(' '));
        return { status: OK };
      case 'set':
        if (rest.length === 0) return { status: fail('no setting named') };
        this.settings.set(rest[0].split(':')[0], rest.slice(1).join(' '));
        return { status: OK };
      case 'clear':
        if (rest[0] !== undefined) this.settings.delete(rest[0].split(':')[0]);
        return { status: OK };
      case 'inc': {
        const key = rest[0]?.split(':')[0];
        if (key === undefined) return { status: fail('no setting named') };
        this.settings.set(key, String((Number(this.settings.get(key) ?? 0) || 0) + Number(rest[1] ?? 1)));
        return { status: OK };
      }
      case 'isset':
        return { status: rest.length > 0 && rest[0] !== '' ? OK : fail('not set') };
      case 'iseq':
        return { status: rest[0] === rest[1] ? OK : fail(`${rest[0] ?? ''} is not ${rest[1] ?? ''}`) };
      case 'goto': {
        const label = rest[0];
        const at = label === undefined ? -1 : doc.lines.findIndex((l) => l.trim().split(/\s+/)[0] === `:${label}`);
        return at < 0 ? { status: fail(`no label ${label ?? ''} in ${doc.url}`) } : { status: OK, jump: at + 1 };
      }
      case 'chain':
      case 'imgexec': {
        if (rest[0] === undefined) return { status: fail('no URL given') };
        const st = await this.chain(resolveUrl(rest[0], doc.url), depth + 1);
        return { status: st, replaced: opts.has('replace') && st.ok };
      }
      case 'kernel':
      case 'imgselect':
        if (rest[0] === undefined) return { status: fail('no URL given') };
        return this.loadKernel(resolveUrl(rest[0], doc.url), opts.get('name'), rest.slice(1).join(' '));
      case 'initrd':
      case 'imgfetch':
      case 'module':
        if (rest[0] === undefined) return { status: fail('no URL given') };
        return this.loadInitrd(resolveUrl(rest[0], doc.url), opts.get('name'));
      case 'imgargs': {
        if (this.kernel === undefined || rest[0] !== this.kernel.ref.name) return { status: fail(`no image ${rest[0] ?? ''}`) };
        this.kernel.args = rest.slice(1).join(' ');
        return { status: OK };
      }
      case 'imgfree':
        this.kernel = undefined;
        this.initrds = [];
        return { status: OK };
      case 'boot':
        return { status: this.boot() };
      case 'sanboot':
        throw new Halt({ kind: 'exit', reason: `sanboot in ${doc.url}: booting from the local disk` });
      case 'exit':
        throw new Halt({ kind: 'exit', reason: `exit in ${doc.url}` });
      case 'dhcp':
      case 'ifconf':
      case 'ifopen':
      case 'sleep':
        return { status: OK }; // the lab's NICs are always up and configured; sleeping would only slow a loop down
      default:
        return { status: fail(`${name}: command not found`) };
    }
  }

  private async loadImage(url: string, name: string | undefined, role: 'kernel' | 'initrd'): Promise<ImageRef> {
    await this.io.fetchImage(url, role, role === 'kernel' ? 0 : this.initrds.length);
    return { url, name: name ?? (new URL(url).pathname.split('/').pop() || url) };
  }

  private async loadKernel(url: string, name: string | undefined, args: string): Promise<{ status: Status }> {
    try {
      this.kernel = { ref: await this.loadImage(url, name, 'kernel'), args };
      return { status: OK };
    } catch (e) {
      return { status: fail((e as Error).message) };
    }
  }

  private async loadInitrd(url: string, name: string | undefined): Promise<{ status: Status }> {
    try {
      this.initrds.push(await this.loadImage(url, name, 'initrd'));
      return { status: OK };
    } catch (e) {
      return { status: fail((e as Error).message) };
    }
  }

  private boot(): Status {
    if (this.kernel === undefined) return fail('no kernel loaded');
    throw new Halt({ kind: 'boot', images: { kernel: this.kernel.ref, cmdline: this.kernel.args, initrds: [...this.initrds] } });
  }
}

const IMAGE_COMMANDS = new Set(['chain', 'imgexec', 'kernel', 'imgselect', 'initrd', 'imgfetch', 'module', 'imgargs', 'sanboot']);

/** iPXE's common options: --name/-n and --timeout/-t take a value; --autofree/-a, --replace/-r and others are flags. */
function parseOptions(args: string[]): { opts: Map<string, string>; rest: string[] } {
  const opts = new Map<string, string>();
  let i = 0;
  for (; i < args.length && args[i].startsWith('-') && args[i].length > 1; i++) {
    const a = args[i];
    const long = a.startsWith('--') ? a.slice(2) : ({ n: 'name', t: 'timeout', a: 'autofree', r: 'replace' }[a.slice(1)] ?? a.slice(1));
    const eq = long.indexOf('=');
    if (eq >= 0) opts.set(long.slice(0, eq), long.slice(eq + 1));
    else if (long === 'name' || long === 'timeout') opts.set(long, args[++i] ?? '');
    else opts.set(long, '');
  }
  return { opts, rest: args.slice(i) };
}

function resolveUrl(ref: string, base: string): string {
  try {
    return new URL(ref, base).href;
  } catch {
    return ref;
  }
}
