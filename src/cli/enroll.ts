import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { clientTarget } from './client-target.js';
import type { EnrollNodeResult as NodeResult } from '../conductor/enrollment.js';

export interface EnrollCliOptions {
  manage?: boolean;
  provide?: boolean;
  dryRun?: boolean;
  url?: string;
  user?: string;
  password?: string;
  wait?: string;
}


interface Answer {
  format: string;
  dry_run: boolean;
  nodes: NodeResult[];
  summary: Record<string, number>;
}

/** Exit codes: everything enrolled, some nodes failed, the file (or the request) was refused. */
export const EXIT_OK = 0;
export const EXIT_SOME_FAILED = 1;
export const EXIT_REFUSED = 2;

const TYPES: Record<string, string> = { '.json': 'application/json', '.yaml': 'application/yaml', '.yml': 'application/yaml' };

/** `ferrite enroll FILE`: sends the file to POST /ferrite/v1/enroll and reports per node. Returns the exit code. */
export async function runEnroll(file: string, opts: EnrollCliOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WriteStream = process.stderr): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    err.write(`ferrite enroll: cannot read ${file}: ${(e as Error).message}\n`);
    return EXIT_REFUSED;
  }
  const target = clientTarget(opts);
  const query = new URLSearchParams();
  if (opts.manage) query.set('manage', 'true');
  if (opts.provide) query.set('provide', 'true');
  if (opts.dryRun) query.set('dry_run', 'true');
  if (opts.wait !== undefined) query.set('wait', opts.wait);
  const headers: Record<string, string> = {
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'text/plain',
    // Progress lines come back as the nodes are done; a dry run answers at once.
    Accept: opts.dryRun ? 'application/json' : 'application/x-ndjson, application/json',
  };
  if (target.authorization) headers.Authorization = target.authorization;
  const endpoint = `${target.url}/ferrite/v1/enroll${query.size > 0 ? `?${query}` : ''}`;

  const progress = err.isTTY ? new ProgressLine(err) : null;
  progress?.show(`sending ${file} to ${target.url}`);
  let res: Response;
  try {
    res = await fetch(endpoint, { method: 'POST', headers, body: text });
  } catch (e) {
    progress?.clear();
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    err.write(`ferrite enroll: cannot reach ${target.url}: ${cause ?? (e as Error).message}\n`);
    return EXIT_REFUSED;
  }
  if (res.status !== 200) {
    progress?.clear();
    return refused(res, err);
  }
  let answer: Answer | undefined;
  if ((res.headers.get('content-type') ?? '').startsWith('application/x-ndjson')) {
    for await (const line of lines(res)) {
      const event = JSON.parse(line) as { event: string; done?: number; total?: number; message?: string } & Answer;
      if (event.event === 'progress') progress?.bar(event.done!, event.total!);
      else if (event.event === 'result') answer = event;
      else if (event.event === 'error') {
        progress?.clear();
        err.write(`ferrite enroll: ${event.message}\n`);
        return EXIT_SOME_FAILED;
      }
    }
  } else {
    answer = (await res.json()) as Answer;
  }
  progress?.clear();
  if (!answer) {
    err.write('ferrite enroll: the service ended the answer early; run again (enrollment is idempotent)\n');
    return EXIT_SOME_FAILED;
  }
  out.write(summaryTable(answer));
  const walking = Boolean(opts.manage || opts.provide) && !answer.dry_run;
  const failed = answer.nodes.filter((n) => nodeFailed(n, walking));
  const s = answer.summary;
  out.write(`\n${answer.dry_run ? 'dry run, nothing changed: would create' : 'created'} ${s.created}, ${answer.dry_run ? 'would update' : 'updated'} ${s.updated}, unchanged ${s.unchanged}, failed ${failed.length}\n`);
  return failed.length > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}

/** A node failed if enrolling it failed, or if it was to be walked and did not get there. */
function nodeFailed(n: NodeResult, walking: boolean): boolean {
  if (n.action === 'error') return true;
  const state = n.provision_state ?? '';
  if (/failed$/.test(state) || state === 'error') return true;
  return walking && ['enroll', 'verifying', 'cleaning', 'clean wait'].includes(state);
}

async function refused(res: Response, err: NodeJS.WritableStream): Promise<number> {
  const text = await res.text();
  let body: { error_message?: string; errors?: { index: number | null; field: string; message: string }[] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: shown as it came
  }
  if (body.errors) {
    err.write(`ferrite enroll: the file was refused (${body.errors.length} problem${body.errors.length === 1 ? '' : 's'}); nothing was enrolled\n`);
    err.write(table(['NODE', 'FIELD', 'PROBLEM'], body.errors.map((e) => [e.index === null ? '-' : String(e.index), e.field, e.message])));
    return EXIT_REFUSED;
  }
  let message = text;
  try {
    const inner = JSON.parse(body.error_message ?? '') as { faultstring?: string; description?: string };
    message = inner.faultstring ?? inner.description ?? text;
  } catch {
    // keep the raw text
  }
  err.write(`ferrite enroll: ${res.status} ${res.statusText}: ${message}\n`);
  return EXIT_REFUSED;
}

function summaryTable(answer: Answer): string {
  const verb = (a: string) => (answer.dry_run && a !== 'unchanged' ? `would be ${a}` : a);
  const rows = answer.nodes.map((n) => {
    const detail = n.error ?? n.last_error ?? n.provision_state ?? '';
    const changes = n.action === 'updated' && n.changes.length > 0 ? ` (${n.changes.join(', ')})` : '';
    return [String(n.index), n.name ?? '-', verb(n.action) + changes, n.uuid ?? '-', detail];
  });
  const warnings = answer.nodes.flatMap((n) => n.warnings.map((w) => `warning: node ${n.index}: ${w}\n`));
  return table(['NODE', 'NAME', 'ACTION', 'UUID', 'STATE / ERROR'], rows) + warnings.join('');
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

async function* lines(res: Response): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 1);
      if (line) yield line;
    }
  }
  if (buffer.trim()) yield buffer.trim();
}

/** One rewritten line on a terminal's stderr: a message, or a bar with counts. */
class ProgressLine {
  constructor(private readonly stream: NodeJS.WriteStream) {}

  show(text: string): void {
    const width = this.stream.columns ?? 80;
    this.stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
  }

  bar(done: number, total: number): void {
    const size = 30;
    const filled = total === 0 ? size : Math.round((done / total) * size);
    this.show(`enrolling [${'#'.repeat(filled)}${'.'.repeat(size - filled)}] ${done}/${total}`);
  }

  clear(): void {
    this.stream.write('\r\x1b[2K');
  }
}
