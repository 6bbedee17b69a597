/**
 * Which provision actions the node page offers in which state, with Ironic's verbs. Pure; it follows Ironic's state
 * machine so that a button is never offered that the API would refuse for the state alone.
 */
export type ProvisionVerb = 'manage' | 'provide' | 'inspect' | 'clean' | 'active' | 'deleted' | 'abort' | 'rebuild';

export interface ProvisionAction {
  verb: ProvisionVerb;
  label: string;
  /** Asks for confirmation: the action erases, powers off or interrupts something. */
  destructive: boolean;
}

const ACTIONS: Record<ProvisionVerb, ProvisionAction> = {
  manage: { verb: 'manage', label: 'Manage', destructive: false },
  provide: { verb: 'provide', label: 'Provide', destructive: false },
  inspect: { verb: 'inspect', label: 'Inspect', destructive: false },
  clean: { verb: 'clean', label: 'Clean…', destructive: true },
  active: { verb: 'active', label: 'Deploy…', destructive: false },
  rebuild: { verb: 'rebuild', label: 'Rebuild', destructive: true },
  deleted: { verb: 'deleted', label: 'Undeploy', destructive: true },
  abort: { verb: 'abort', label: 'Abort', destructive: true },
};

const BY_STATE: Readonly<Record<string, ProvisionVerb[]>> = {
  enroll: ['manage'],
  manageable: ['provide', 'inspect', 'clean'],
  available: ['active', 'manage'],
  active: ['deleted', 'rebuild'],
  'deploy failed': ['active', 'deleted'],
  'clean failed': ['manage'],
  'inspect failed': ['manage', 'inspect'],
  'verifying': [],
  error: ['deleted'],
  'clean wait': ['abort'],
  'wait call-back': ['abort'],
  'inspect wait': ['abort'],
  'rescue wait': ['abort'],
  rescue: ['deleted'],
  'rescue failed': ['deleted'],
};

export function provisionActions(state: string): ProvisionAction[] {
  // Own keys only: a state named like an Object method ("constructor") offers nothing.
  return Object.hasOwn(BY_STATE, state) ? BY_STATE[state].map((v) => ACTIONS[v]) : [];
}

export const BOOT_DEVICES = ['pxe', 'disk', 'cdrom', 'bios', 'safe'] as const;

export type HashAlgo = 'sha256' | 'sha512' | 'md5' | 'legacy';

/**
 * The JSON patch that sets a deploy's image on instance_info: the URL and one way to verify it (an os_hash pair, or
 * the legacy image_checksum, a hash or a checksum file's URL), removing the other way's keys left from before so
 * the service is never given two.
 */
export function imagePatch(instanceInfo: Record<string, unknown>, url: string, algo: HashAlgo, checksum: string): object[] {
  const ops: object[] = [{ op: 'add', path: '/instance_info/image_source', value: url }];
  const remove = (key: string) => {
    if (key in instanceInfo) ops.push({ op: 'remove', path: `/instance_info/${key}` });
  };
  if (algo === 'legacy') {
    ops.push({ op: 'add', path: '/instance_info/image_checksum', value: checksum });
    remove('image_os_hash_algo');
    remove('image_os_hash_value');
  } else {
    ops.push({ op: 'add', path: '/instance_info/image_os_hash_algo', value: algo });
    ops.push({ op: 'add', path: '/instance_info/image_os_hash_value', value: checksum });
    remove('image_checksum');
  }
  return ops;
}

/** The current step's place in the node's plan (driver_internal_info's deploy_steps / clean_steps), if known. */
export function stepProgress(step: Record<string, unknown> | null | undefined, plan: unknown): { index: number; total: number } | undefined {
  if (!step || typeof step.step !== 'string' || !Array.isArray(plan) || plan.length === 0) return undefined;
  const i = plan.findIndex((s: unknown) => {
    const x = s as Record<string, unknown> | null;
    return x?.step === step.step && x?.interface === step.interface;
  });
  return i < 0 ? undefined : { index: i, total: plan.length };
}
