/**
 * The meanings of IPMI completion codes (IPMI 2.0 §5.2, table 5-2, and the command-specific codes of the commands
 * this client sends) and of RMCP+ status codes (§13.24, table 13-15), so errors can say what the BMC meant rather
 * than a bare number.
 */

const GENERIC: Record<number, string> = {
  0xc0: 'node busy',
  0xc1: 'invalid command (not supported by this BMC)',
  0xc2: 'command invalid for the given LUN',
  0xc3: 'timeout while processing the command',
  0xc4: 'out of space',
  0xc5: 'reservation cancelled or invalid reservation ID',
  0xc6: 'request data truncated',
  0xc7: 'request data length invalid',
  0xc8: 'request data field length limit exceeded',
  0xc9: 'parameter out of range',
  0xca: 'cannot return the number of requested data bytes',
  0xcb: 'requested sensor, data or record not present',
  0xcc: 'invalid data field in request',
  0xcd: 'command illegal for the specified sensor or record type',
  0xce: 'command response could not be provided',
  0xcf: 'cannot execute a duplicated request',
  0xd0: 'SDR repository in update mode',
  0xd1: 'device in firmware update mode',
  0xd2: 'BMC initialization in progress',
  0xd3: 'destination unavailable',
  0xd4: 'insufficient privilege level for the command',
  0xd5: 'command not supported in the present state',
  0xd6: 'command sub-function disabled or unavailable',
  0xff: 'unspecified error',
};

/** Command-specific codes (80h–BEh), keyed by `netFn:cmd`. */
const SPECIFIC: Record<string, Record<number, string>> = {
  // Set System Boot Options
  '0:8': {
    0x80: 'boot option parameter not supported',
    0x81: '"set in progress" is already set by another party',
    0x82: 'attempt to write a read-only boot option parameter',
  },
  // Get System Boot Options
  '0:9': { 0x80: 'boot option parameter not supported' },
  // Set Session Privilege Level
  '6:59': {
    0x80: 'requested privilege level is not available for this user',
    0x81: 'requested privilege level exceeds the user\'s or channel\'s limit',
    0x82: 'cannot disable user level authentication',
  },
  // Close Session
  '6:60': { 0x87: 'invalid session ID', 0x88: 'invalid session handle' },
};

export function completionCodeMeaning(netFn: number, cmd: number, code: number): string {
  const specific = SPECIFIC[`${netFn}:${cmd}`]?.[code];
  if (specific) return specific;
  if (GENERIC[code]) return GENERIC[code];
  if (code >= 0x80 && code <= 0xbe) return 'command-specific error';
  if (code >= 0x01 && code <= 0x7e) return 'OEM error';
  return 'unknown completion code';
}

const RMCP_STATUS: Record<number, string> = {
  0x01: 'insufficient resources to create a session',
  0x02: 'invalid session ID',
  0x03: 'invalid payload type',
  0x04: 'invalid authentication algorithm',
  0x05: 'invalid integrity algorithm',
  0x06: 'no matching authentication payload',
  0x07: 'no matching integrity payload',
  0x08: 'inactive session ID',
  0x09: 'invalid role',
  0x0a: 'unauthorized role or privilege level requested',
  0x0b: 'insufficient resources to create a session at the requested role',
  0x0c: 'invalid name length',
  0x0d: 'unauthorized name',
  0x0e: 'unauthorized GUID',
  0x0f: 'invalid integrity check value',
  0x10: 'invalid confidentiality algorithm',
  0x11: 'no cipher suite match with the proposed security algorithms',
  0x12: 'illegal or unrecognized parameter',
};

export function rmcpStatusMeaning(status: number): string {
  return RMCP_STATUS[status] ?? 'unknown RMCP+ status';
}

/** RMCP+ statuses that mean "the BMC does not do these algorithms" rather than anything about the user. */
export const CIPHER_SUITE_STATUSES = new Set([0x04, 0x05, 0x06, 0x07, 0x10, 0x11]);

/** RMCP+ statuses that mean the user, its password or its privilege were refused. */
export const AUTH_STATUSES = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x0f]);

export const hex = (n: number, width = 2): string => `0x${n.toString(16).padStart(width, '0')}`;
