import { parseDocument } from 'yaml';
import type { EnrollmentProblem } from './enrollment-types.js';

export type TextSyntax = 'json' | 'yaml';

/**
 * Parses enrollment text as JSON or YAML. JSON is tried when asked for or when the text looks like it (a `{`
 * first); YAML otherwise, which also reads JSON, so a text/plain upload of either works. Syntax errors name their
 * line, since a 10,000-node file is only fixable when the operator can find the mistake.
 */
export function parseDocumentText(text: string, syntax?: TextSyntax): { value: unknown } | { problem: EnrollmentProblem } {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return { problem: { index: null, field: 'document', message: 'The file is empty.' } };
  const looksJson = /^\s*[{[]/.test(body);
  if (syntax === 'json' || (syntax === undefined && looksJson)) {
    try {
      return { value: JSON.parse(body) as unknown };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const line = jsonErrorLine(body, message);
      return { problem: { index: null, field: 'document', message: `Invalid JSON${line ? ` at line ${line}` : ''}: ${message}`, ...(line ? { line } : {}) } };
    }
  }
  // Unique keys and no aliases: a duplicated key in a node is a mistake to report, and anchors expand without bound.
  const doc = parseDocument(body, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const line = first.linePos?.[0].line;
    const summary = first.message.split('\n')[0];
    return { problem: { index: null, field: 'document', message: `Invalid YAML${line ? ` at line ${line}` : ''}: ${summary}`, ...(line ? { line } : {}) } };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 0 }) as unknown };
  } catch (e) {
    return { problem: { index: null, field: 'document', message: `Invalid YAML: ${e instanceof Error ? e.message : String(e)}` } };
  }
}

/** V8 names the offset ("at position 123") or, in newer versions, the line; either becomes a line number. */
function jsonErrorLine(text: string, message: string): number | undefined {
  const byLine = /line (\d+)/.exec(message);
  if (byLine) return Number(byLine[1]);
  const byPos = /position (\d+)/.exec(message);
  if (byPos) return text.slice(0, Number(byPos[1])).split('\n').length;
  if (/end of (JSON|data) input/i.test(message)) return text.split('\n').length;
  return undefined;
}
