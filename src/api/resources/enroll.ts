import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_MINOR } from '../../domain/api-version.js';
import { FerriteError, InvalidParameterValue, UnsupportedMediaType } from '../../domain/errors.js';
import type { JsonObject } from '../../domain/node.js';
import { readEnrollment } from '../../domain/enrollment/read-enrollment.js';
import type { TextSyntax } from '../../domain/enrollment/document-text.js';
import type { EnrollmentProblem, NodeSpec } from '../../domain/enrollment/enrollment-types.js';
import { planEnrollment } from '../../conductor/enrollment-plan.js';
import { previewPlan, runPlan, type EnrollNodeResult } from '../../conductor/enrollment.js';
import type { ApiDeps } from '../app.js';
import { parseBoolParam, type Query } from '../collection.js';
import { errorBody } from '../error-body.js';
import { checkFields } from '../field-checks.js';
import { nodeFieldSpec } from './node-spec.js';
import { SPEC as PORT_SPEC } from './ports.js';
import { SPEC as PORTGROUP_SPEC } from './portgroups.js';

export const ENROLL_PATH = '/ferrite/v1/enroll';

/** A 10,000-node instackenv file is a few MB; the Ironic API's own body limit is for single resources. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** How long each node's manage/provide is waited for, unless the request says (`wait`, seconds). */
const DEFAULT_WAIT_S = 300;
const SYNTAX_OF: Record<string, TextSyntax | undefined> = {
  'application/json': 'json', 'application/yaml': 'yaml', 'application/x-yaml': 'yaml', 'text/yaml': 'yaml',
  'text/x-yaml': 'yaml', 'text/plain': undefined,
};
/** Stands for the node in field checks of a port or port group not yet attached to one. */
const PLACEHOLDER_UUID = '00000000-0000-4000-8000-000000000000';

/**
 * `POST /ferrite/v1/enroll`: the body is an enrollment file (instackenv.json, or Ironic's create format as JSON or
 * YAML). The whole file is checked first, by the same field rules as POST /v1/nodes, /v1/ports and
 * /v1/portgroups, and against what is enrolled; any problem refuses the file (400, every problem listed) and
 * changes nothing. Options (query): manage, provide, dry_run, wait (seconds per node). With
 * `Accept: application/x-ndjson` progress lines precede the result, for clients that show a progress bar.
 */
export function registerEnroll(app: FastifyInstance, deps: ApiDeps): void {
  void app.register(async (scope) => {
    // The file is read here, as text, whatever its type: this scope has its own body parsers.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_FILE_BYTES }, (_req, body, done) => done(null, body));
    scope.post(ENROLL_PATH, { bodyLimit: MAX_FILE_BYTES }, (request, reply) => handleEnroll(deps, request, reply));
  });
}

async function handleEnroll(deps: ApiDeps, request: FastifyRequest, reply: FastifyReply) {
  const q = request.query as Query;
  for (const key of Object.keys(q)) {
    if (!['manage', 'provide', 'dry_run', 'wait'].includes(key)) throw new InvalidParameterValue(`Unknown argument: "${key}"`);
  }
  const flag = (key: string) => (q[key] === undefined ? false : parseBoolParam(key, q[key]));
  const manage = flag('manage');
  const provide = flag('provide');
  const dryRun = flag('dry_run');
  const waitS = q.wait === undefined ? DEFAULT_WAIT_S : Number(q.wait);
  if (!Number.isFinite(waitS) || waitS < 0) throw new InvalidParameterValue(`wait must be a number of seconds, not ${q.wait}`);

  const type = (request.headers['content-type'] ?? 'text/plain').split(';')[0].trim().toLowerCase();
  if (!(type in SYNTAX_OF)) {
    throw new UnsupportedMediaType(`Unsupported Content-Type ${type}: send the file as application/json, application/yaml, text/yaml or text/plain.`);
  }
  const text = typeof request.body === 'string' ? request.body : '';
  const reading = readEnrollment(text, SYNTAX_OF[type]);
  const format = reading.ok ? reading.document.format : reading.format;
  const specs = reading.ok ? reading.document.nodes : reading.nodes;
  // Every check runs on every node that got that far, so one answer lists all the file's problems.
  const problems = [...(reading.ok ? [] : reading.problems), ...checkWithApiRules(specs)];
  const checked = specs.filter((s) => !problems.some((p) => p.index === s.index));
  const { conductor } = deps;
  const plan = format && checked.length > 0
    ? await planEnrollment(conductor.core.store, conductor.core.registry, { format, nodes: checked })
    : { ok: true as const, steps: [] };
  if (!plan.ok) problems.push(...plan.problems);
  if (problems.length > 0 || !reading.ok || !plan.ok) {
    return refuse(reply, format, problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1)));
  }

  const answer = (nodes: EnrollNodeResult[]) => ({
    format: reading.document.format, dry_run: dryRun, nodes, summary: summarise(nodes),
  });
  if (dryRun) return reply.code(200).type('application/json').send(answer(previewPlan(plan.steps)));
  const opts = { manage, provide, dryRun, waitMs: waitS * 1000 };
  if (!String(request.headers.accept ?? '').includes('application/x-ndjson')) {
    return reply.code(200).type('application/json').send(answer(await runPlan(conductor, plan.steps, opts)));
  }
  // Progress as it happens, then the result: one JSON document per line.
  const stream = new Readable({ read() {} });
  const total = plan.steps.length;
  stream.push(`${JSON.stringify({ event: 'progress', done: 0, total })}\n`);
  runPlan(conductor, plan.steps, { ...opts, onProgress: (done) => stream.push(`${JSON.stringify({ event: 'progress', done, total })}\n`) })
    .then((nodes) => stream.push(`${JSON.stringify({ event: 'result', ...answer(nodes) })}\n`))
    .catch((e: unknown) => {
      request.log.error({ err: e }, 'enrollment failed');
      stream.push(`${JSON.stringify({ event: 'error', message: 'An internal error occurred; see the service log.' })}\n`);
    })
    .finally(() => stream.push(null));
  return reply.code(200).type('application/x-ndjson').send(stream);
}

/** Ironic's error body (clients show its faultstring) with the problems as data besides, for programs and the UI. */
function refuse(reply: FastifyReply, format: string | null, problems: EnrollmentProblem[]) {
  const shown = problems.slice(0, 50).map((p) => `${p.index === null ? 'file' : `node ${p.index}`} ${p.field}: ${p.message}`);
  if (problems.length > shown.length) shown.push(`... and ${problems.length - shown.length} more`);
  const message = `The enrollment file was refused (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was enrolled.\n${shown.join('\n')}`;
  const body = { ...(JSON.parse(errorBody(message, 400)) as JsonObject), format, errors: problems };
  return reply.code(400).type('application/json').send(body);
}

/**
 * The Ironic API's own field rules for each node, port and port group of the file (names, UUIDs, MACs, field
 * kinds, fields newer than this service), so that the file is refused up front rather than half enrolled.
 * Bodies come back normalised, as the API would store them.
 */
function checkWithApiRules(specs: NodeSpec[]): EnrollmentProblem[] {
  const problems: EnrollmentProblem[] = [];
  const { protected: _p, protected_reason: _r, ...nodeSpec } = nodeFieldSpec(MAX_MINOR);
  const check = (index: number, field: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof FerriteError)) throw e;
      const named = /^Schema error for \w+: (\w+): /.exec(e.message);
      problems.push({ index, field: named ? (field ? `${field}.${named[1]}` : named[1]) : field || 'node', message: e.message });
    }
  };
  for (const spec of specs) {
    check(spec.index, '', () => {
      spec.node = checkFields('node', spec.node, nodeSpec, MAX_MINOR, ['driver']) as JsonObject;
    });
    for (const port of [...spec.ports, ...spec.portgroups.flatMap((g) => g.ports)]) {
      check(spec.index, port.source, () => {
        const { address: _a, node_uuid: _n, ...fields } = checkFields('port', { ...port.fields, address: port.address, node_uuid: PLACEHOLDER_UUID }, PORT_SPEC, MAX_MINOR);
        port.fields = fields as JsonObject;
      });
    }
    spec.portgroups.forEach((g, i) => check(spec.index, `portgroups[${i}]`, () => {
      const { node_uuid: _n, ...fields } = checkFields('portgroup', { ...g.fields, node_uuid: PLACEHOLDER_UUID }, PORTGROUP_SPEC, MAX_MINOR);
      g.fields = fields as JsonObject;
    }));
  }
  return problems;
}

function summarise(nodes: EnrollNodeResult[]): Record<string, number> {
  const out: Record<string, number> = { created: 0, updated: 0, unchanged: 0, error: 0 };
  for (const n of nodes) out[n.action] += 1;
  return out;
}
