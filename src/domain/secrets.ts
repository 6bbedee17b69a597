import type { Json, JsonObject } from './node.js';

export const MASK = '******';

/** Key fragments that mark a value as secret (the list oslo's mask_dict_password uses, plus BMC specifics). */
const SECRET_KEY_FRAGMENTS = [
  'password', 'pass', 'secret', 'token', 'credential', 'private_key', 'encrypted_key', 'fernetkey', 'sslkey',
  'passphrase', 'cephxkey', 'fsidkey', 'sys_pswd', 'snmp_auth_key', 'snmp_priv_key', 'configdrive', 'kek',
];

const SECRET_HINT = new RegExp(`${SECRET_KEY_FRAGMENTS.join('|')}|image_url`, 'i');

/**
 * Whether a serialised document might hold something to mask. False means it certainly does not, so it can be
 * shown as it is without being parsed.
 */
export function mayNeedMasking(json: string): boolean {
  return SECRET_HINT.test(json);
}

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  return SECRET_KEY_FRAGMENTS.some((fragment) => k.includes(fragment));
}

/** A copy of `obj` with every secret-looking value, at any depth, replaced by the mask. */
export function maskSecrets(obj: JsonObject): JsonObject {
  let out: JsonObject | undefined;
  for (const [key, value] of Object.entries(obj)) {
    let masked: Json = value;
    if (isSecretKey(key) && value !== null && value !== '') masked = MASK;
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) masked = maskSecrets(value);
    if (masked !== value) {
      out ??= { ...obj };
      out[key] = masked;
    }
  }
  return out ?? obj;
}

/** instance_info: secrets masked, and the image URL and config drive hidden (they may embed credentials). */
export function maskInstanceInfo(obj: JsonObject): JsonObject {
  const masked = maskSecrets(obj);
  if (!('image_url' in masked) && !('configdrive' in masked)) return masked;
  const out = { ...masked };
  if ('image_url' in out) out.image_url = MASK;
  if ('configdrive' in out) out.configdrive = MASK;
  return out;
}

/** Paths of secret values, for the logger's redaction. */
export const LOG_REDACT_PATHS = [
  '*.password', '*.*.password', '*.ipmi_password', '*.redfish_password', '*.driver_info.*password',
  'req.headers.authorization', 'req.headers["x-auth-token"]', '*.agent_token', '*.agent_secret_token',
];
