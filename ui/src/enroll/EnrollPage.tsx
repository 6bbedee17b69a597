import { useRef, useState, type DragEvent } from 'react';
import { ApiError, authRequired, FETCH_CREDENTIALS, faultOf, requestHeaders } from '../api/client.ts';
import { nodeHref } from '../app/router.ts';

interface Problem {
  index: number | null;
  field: string;
  message: string;
}

interface NodeResult {
  index: number;
  name: string | null;
  uuid: string | null;
  action: string;
  provision_state: string | null;
  last_error: string | null;
  error?: string;
  changes: string[];
  warnings: string[];
}

interface Answer {
  format: string;
  dry_run: boolean;
  nodes: NodeResult[];
  summary: Record<string, number>;
}

function contentType(file: File): string {
  if (/\.ya?ml$/i.test(file.name)) return 'application/yaml';
  if (/\.json$/i.test(file.name)) return 'application/json';
  return 'text/plain';
}

/**
 * Enrollment from a file (instackenv.json, or Ironic's create format as JSON or YAML), dropped or chosen: a check
 * first (dry run) shows what would change or every problem of the file; enrolling shows progress, then each node.
 */
export function EnrollPage() {
  const [file, setFile] = useState<File>();
  const [manage, setManage] = useState(true);
  const [provide, setProvide] = useState(false);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number }>();
  const [answer, setAnswer] = useState<Answer>();
  const [problems, setProblems] = useState<Problem[]>();
  const [error, setError] = useState<string>();
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setAnswer(undefined);
    setProblems(undefined);
    setError(undefined);
    setProgress(undefined);
    try {
      const text = await file.text();
      const q = new URLSearchParams({ manage: String(manage || provide), provide: String(provide), dry_run: String(dryRun) });
      const res = await fetch(`/ferrite/v1/enroll?${q}`, {
        method: 'POST', body: text,
        headers: requestHeaders({ 'Content-Type': contentType(file), Accept: 'application/x-ndjson' }),
        credentials: FETCH_CREDENTIALS,
      });
      if (!res.ok) {
        if (res.status === 401) authRequired();
        const raw = await res.text();
        let body: unknown = raw;
        try {
          body = JSON.parse(raw);
        } catch {
          // shown as it is
        }
        const listed = (body as { errors?: Problem[] } | null)?.errors;
        if (Array.isArray(listed)) setProblems(listed);
        throw new ApiError(res.status, faultOf(body, `${res.status} ${res.statusText}`).split('\n')[0], body);
      }
      if ((res.headers.get('content-type') ?? '').startsWith('application/x-ndjson') && res.body) {
        let buffer = '';
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value;
          let i: number;
          while ((i = buffer.indexOf('\n')) >= 0) {
            const line = JSON.parse(buffer.slice(0, i)) as { event: string; done?: number; total?: number; message?: string } & Answer;
            buffer = buffer.slice(i + 1);
            if (line.event === 'progress') setProgress({ done: line.done ?? 0, total: line.total ?? 0 });
            else if (line.event === 'result') setAnswer(line);
            else if (line.event === 'error') throw new Error(line.message);
          }
        }
      } else {
        setAnswer(await res.json() as Answer);
      }
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message} (HTTP ${e.status})` : e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files[0];
    if (f) setFile(f);
  };

  return (
    <main className="enroll">
      <h1>Enroll nodes</h1>
      <p className="muted">A TripleO <code>instackenv.json</code>, or Ironic's <code>baremetal create</code> format (JSON or YAML). The whole file is checked first: a file with any problem enrolls nothing. Enrolling a file again updates its nodes, never duplicates them.</p>
      <div className={`dropzone${dragging ? ' dragging' : ''}`} onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
        onDragLeave={() => setDragging(false)} onDrop={onDrop}>
        <p>{file ? <>File: <strong>{file.name}</strong> ({file.size.toLocaleString()} bytes)</> : 'Drop a file here, or'}</p>
        <label className="button">Choose a file
          <input ref={input} type="file" accept=".json,.yaml,.yml,application/json,application/yaml" className="visually-hidden"
            data-testid="enroll-file" onChange={(e) => setFile(e.target.files?.[0])} />
        </label>
      </div>
      <fieldset className="options">
        <legend>After enrolling</legend>
        <label className="inline"><input type="checkbox" checked={manage || provide} disabled={provide} onChange={(e) => setManage(e.target.checked)} /> Manage (verify the BMC)</label>
        <label className="inline"><input type="checkbox" checked={provide} onChange={(e) => setProvide(e.target.checked)} /> Provide (clean, make available)</label>
      </fieldset>
      <div className="buttons">
        <button type="button" disabled={!file || busy} onClick={() => void submit(true)}>Check (dry run)</button>
        <button type="button" className="primary" disabled={!file || busy} onClick={() => void submit(false)}>Enroll</button>
      </div>
      {progress && busy && <p><progress max={progress.total} value={progress.done} /> {progress.done} of {progress.total}</p>}
      {error && <p role="alert" className="error" data-testid="enroll-error">{error}</p>}
      {problems && problems.length > 0 && (
        <table className="simple" aria-label="Problems in the file" data-testid="enroll-problems">
          <thead><tr><th>Node</th><th>Field</th><th>Problem</th></tr></thead>
          <tbody>{problems.map((p, i) => <tr key={i}><td>{p.index === null ? 'file' : p.index}</td><td className="mono">{p.field}</td><td>{p.message}</td></tr>)}</tbody>
        </table>
      )}
      {answer && (
        <section aria-label="Enrollment result" data-testid="enroll-result">
          <h2>{answer.dry_run ? 'What would change' : 'Enrolled'} ({answer.format})</h2>
          <p>{Object.entries(answer.summary).map(([k, v]) => `${k}: ${v}`).join(' · ')}</p>
          <table className="simple">
            <thead><tr><th>#</th><th>Name</th><th>Action</th><th>State</th><th>Detail</th></tr></thead>
            <tbody>
              {answer.nodes.map((n) => (
                <tr key={n.index} className={n.error ?? n.last_error ? 'error' : undefined}>
                  <td>{n.index}</td>
                  <td>{n.uuid && !answer.dry_run ? <a href={nodeHref(n.uuid)}>{n.name ?? n.uuid}</a> : (n.name ?? n.uuid ?? '')}</td>
                  <td>{n.action}</td>
                  <td>{n.provision_state ?? ''}</td>
                  <td>{n.error ?? n.last_error ?? [...n.changes, ...n.warnings].join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </main>
  );
}
