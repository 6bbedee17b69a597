import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../domain/node.js';
import type { DeployStep, DeployTemplate } from '../../domain/resources.js';
import {
  AlreadyExists, DuplicateName, InvalidParameterValue, MethodNotAllowed, NotFound,
} from '../../domain/errors.js';
import { identKind, isValidTrait } from '../../domain/validation.js';
import { now } from '../../store/store.js';
import type { ApiDeps } from '../app.js';
import { collection, parseFields, parseListQuery, type Query } from '../collection.js';
import { checkFields, type Spec } from '../field-checks.js';
import { applyResourcePatch } from '../json-patch.js';
import {
  DEPLOY_TEMPLATES_MINOR, DEPLOY_TEMPLATE_DETAIL_FIELDS, DEPLOY_TEMPLATE_FIELD_SINCE, DEPLOY_TEMPLATE_LIST_FIELDS,
  DEPLOY_TEMPLATE_UNSORTABLE_FIELDS, deployTemplateView,
} from '../views/deploy-template-view.js';

const LIST_PARAMS = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail']);
/** Interfaces that have deploy steps, as Ironic's DEPLOY_STEP_SCHEMA lists them. */
const STEP_INTERFACES = ['power', 'management', 'deploy', 'bios', 'raid'];
const STEP_KEYS = ['interface', 'step', 'args', 'priority'];
const PATCHABLE = new Set(['name', 'steps', 'extra']);
const MANDATORY = new Set(['name', 'steps']);

function invalid(why: string): never {
  throw new InvalidParameterValue(`Schema error for deploy_template: ${why}`);
}

function checkTemplateName(value: unknown): string {
  if (typeof value !== 'string' || !isValidTrait(value)) {
    invalid(`name: ${JSON.stringify(value)} is not a valid trait (CUSTOM_ followed by A-Z, 0-9 and _, or a standard trait)`);
  }
  return value;
}

function checkStep(step: unknown): DeployStep {
  if (step === null || typeof step !== 'object' || Array.isArray(step)) invalid(`steps: ${JSON.stringify(step)} is not of type object`);
  const s = step as Record<string, unknown>;
  const extra = Object.keys(s).filter((k) => !STEP_KEYS.includes(k));
  if (extra.length > 0) invalid(`steps: Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} unexpected)`);
  for (const key of STEP_KEYS) if (!(key in s)) invalid(`steps: '${key}' is a required property`);
  if (typeof s.interface !== 'string' || !STEP_INTERFACES.includes(s.interface)) {
    invalid(`steps: interface: ${JSON.stringify(s.interface)} is not one of ${STEP_INTERFACES.map((i) => `'${i}'`).join(', ')}`);
  }
  if (typeof s.step !== 'string' || s.step.length === 0) invalid(`steps: step: ${JSON.stringify(s.step)} is not a non-empty string`);
  if (s.args === null || typeof s.args !== 'object' || Array.isArray(s.args)) invalid(`steps: args: ${JSON.stringify(s.args)} is not of type object`);
  let priority: number;
  if (typeof s.priority === 'number' && Number.isInteger(s.priority) && s.priority >= 0) priority = s.priority;
  else if (typeof s.priority === 'string' && /^[0-9]+$/.test(s.priority)) priority = Number(s.priority);
  else invalid(`steps: priority: ${JSON.stringify(s.priority)} is not a non-negative integer`);
  return { interface: s.interface, step: s.step, args: s.args as JsonObject, priority };
}

/** A non-empty list of valid steps in which no interface/step pair appears twice. */
function checkSteps(value: unknown): DeployStep[] {
  if (!Array.isArray(value)) invalid(`steps: ${JSON.stringify(value)} is not of type array`);
  if (value.length === 0) invalid('steps: [] is too short (at least one step is required)');
  const steps = value.map(checkStep);
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const s of steps) {
    const key = `interface: ${s.interface}, step: ${s.step}`;
    if (seen.has(key)) duplicates.add(key);
    seen.add(key);
  }
  if (duplicates.size > 0) {
    throw new InvalidParameterValue(
      `Deploy template invalid: Duplicate deploy steps. A deploy template cannot have multiple deploy steps with the same interface and step. Duplicates: ${[...duplicates].join('; ')}.`,
    );
  }
  return steps;
}

const SPEC: Spec = {
  uuid: { kind: { t: 'uuid', nullable: true } },
  name: { kind: { t: 'custom', check: checkTemplateName } },
  steps: { kind: { t: 'custom', check: checkSteps } },
  extra: { kind: { t: 'object', nullable: true } },
};

function requireTemplates(request: FastifyRequest): void {
  // Before 1.55 the endpoints do not exist: Ironic answers GET with 404 and any other method with 405.
  if (request.minor >= DEPLOY_TEMPLATES_MINOR) return;
  const message = 'The API version does not allow deploy templates';
  throw request.method === 'GET' ? new NotFound(message) : new MethodNotAllowed(message);
}

/** `/v1/deploy_templates`: named sets of deploy steps, matched to nodes by trait. */
export function registerDeployTemplates(app: FastifyInstance, deps: ApiDeps): void {
  const { store, config } = deps;
  const identParam = (request: FastifyRequest) => (request.params as { template: string }).template;

  async function find(ident: string): Promise<DeployTemplate> {
    const found = identKind(ident) === 'uuid'
      ? await store.deployTemplates.getByUuid(ident.toLowerCase()) : await store.deployTemplates.getByName(ident);
    if (!found) throw new NotFound(`Deploy template ${ident} could not be found.`);
    return found;
  }

  async function checkUnique(t: Pick<DeployTemplate, 'uuid' | 'name'>, self?: DeployTemplate): Promise<void> {
    if (!self && (await store.deployTemplates.getByUuid(t.uuid))) {
      throw new AlreadyExists(`A deploy template with UUID ${t.uuid} already exists.`);
    }
    const other = await store.deployTemplates.getByName(t.name);
    if (other && other.id !== self?.id) throw new DuplicateName(`A deploy template with name ${t.name} already exists.`);
  }

  app.get('/v1/deploy_templates', async (request) => {
    requireTemplates(request);
    const q = request.query as Query;
    for (const key of Object.keys(q)) {
      if (!LIST_PARAMS.has(key)) throw new InvalidParameterValue(`Unknown argument: "${key}"`);
    }
    const lq = parseListQuery(q, {
      minor: request.minor, maxLimit: config.api.maxLimit, fieldSince: DEPLOY_TEMPLATE_FIELD_SINCE,
      unsortable: DEPLOY_TEMPLATE_UNSORTABLE_FIELDS,
    });
    const marker = lq.marker !== undefined ? await store.deployTemplates.getByUuid(lq.marker.toLowerCase()) : undefined;
    if (lq.marker !== undefined && !marker) throw new NotFound(`Deploy template ${lq.marker} could not be found.`);
    const rows = await store.deployTemplates.list({ limit: lq.limit, marker, sortKey: lq.sortKey, sortDir: lq.sortDir });
    const base = deps.base(request);
    const fields = lq.fields ?? (lq.detail ? DEPLOY_TEMPLATE_DETAIL_FIELDS : DEPLOY_TEMPLATE_LIST_FIELDS);
    // The marker is the last row's UUID, whether or not the selected fields show it.
    const last = rows[rows.length - 1];
    return collection('deploy_templates', rows.map((t) => deployTemplateView(t, base, fields)), lq.limit,
      `${base}/v1/deploy_templates`, q, () => last.uuid);
  });

  app.get('/v1/deploy_templates/:template', async (request) => {
    requireTemplates(request);
    const fields = parseFields((request.query as Query).fields, request.minor, DEPLOY_TEMPLATE_FIELD_SINCE);
    const t = await find(identParam(request));
    return deployTemplateView(t, deps.base(request), fields ?? DEPLOY_TEMPLATE_DETAIL_FIELDS);
  });

  app.post('/v1/deploy_templates', async (request, reply) => {
    requireTemplates(request);
    const body = checkFields('deploy_template', request.body, SPEC, request.minor, ['name', 'steps']);
    const record: Omit<DeployTemplate, 'id'> = {
      uuid: (body.uuid as string | null | undefined) ?? randomUUID(),
      name: body.name as string,
      steps: body.steps as DeployStep[],
      extra: (body.extra as JsonObject | null | undefined) ?? {},
      created_at: now(),
      updated_at: null,
    };
    await checkUnique(record);
    let created: DeployTemplate;
    try {
      created = await store.deployTemplates.insert(record);
    } catch (e) {
      await checkUnique(record); // a concurrent create won the race: report it as Ironic does
      throw e;
    }
    const base = deps.base(request);
    void reply.code(201).header('Location', `${base}/v1/deploy_templates/${created.uuid}`);
    return deployTemplateView(created, base, DEPLOY_TEMPLATE_DETAIL_FIELDS);
  });

  app.patch('/v1/deploy_templates/:template', async (request) => {
    requireTemplates(request);
    const t = await find(identParam(request));
    const { doc, changed } = applyResourcePatch(
      { uuid: t.uuid, name: t.name, steps: t.steps, extra: t.extra }, request.body,
      { patchable: PATCHABLE, mandatory: MANDATORY, minor: request.minor },
    );
    // the patched document must be a valid template as a whole
    const changes: Partial<DeployTemplate> = {};
    if (changed.includes('name')) changes.name = checkTemplateName(doc.name);
    if (changed.includes('steps')) changes.steps = checkSteps(doc.steps);
    if (changed.includes('extra')) {
      changes.extra = (checkFields('deploy_template', { extra: doc.extra ?? null }, SPEC, request.minor).extra ?? {}) as JsonObject;
    }
    if (Object.keys(changes).length === 0) return deployTemplateView(t, deps.base(request), DEPLOY_TEMPLATE_DETAIL_FIELDS);
    if (changes.name !== undefined) await checkUnique({ uuid: t.uuid, name: changes.name }, t);
    let updated: DeployTemplate | undefined;
    try {
      updated = await store.deployTemplates.update(t.id, { ...changes, updated_at: now() });
    } catch (e) {
      if (changes.name !== undefined) await checkUnique({ uuid: t.uuid, name: changes.name }, t);
      throw e;
    }
    if (!updated) throw new NotFound(`Deploy template ${t.uuid} could not be found.`);
    return deployTemplateView(updated, deps.base(request), DEPLOY_TEMPLATE_DETAIL_FIELDS);
  });

  app.delete('/v1/deploy_templates/:template', async (request, reply) => {
    requireTemplates(request);
    const t = await find(identParam(request));
    await store.deployTemplates.delete(t.id);
    return reply.code(204).send();
  });
}
