/**
 * What can go wrong talking to an IPMI BMC over RMCP+, as types a caller can act on: no answer in time, refused
 * credentials or privilege, a cipher suite the BMC does not offer, a command the BMC answered with an error
 * completion code, or a reply we could not make sense of. Every message names the BMC (`host:port`) and none
 * carries a password or key: the client never puts them in any string.
 */

export class IpmiError extends Error {
  override name = 'IpmiError';
  constructor(message: string, readonly bmc: string) {
    super(message);
  }
}

/** The BMC did not answer within the per-request timeout after all retries, or the operation's bound passed. */
export class IpmiTimeoutError extends IpmiError {
  override name = 'IpmiTimeoutError';
}

/** The BMC refused the user: wrong username or password, or the privilege level is not allowed for that user. */
export class IpmiAuthError extends IpmiError {
  override name = 'IpmiAuthError';
  constructor(message: string, bmc: string, readonly rmcpStatus?: number) {
    super(message, bmc);
  }
}

/** The BMC does not offer the cipher suite the caller asked for (Ironic's `ipmi_cipher_suite`). */
export class IpmiCipherSuiteError extends IpmiError {
  override name = 'IpmiCipherSuiteError';
  constructor(message: string, bmc: string, readonly suite: number) {
    super(message, bmc);
  }
}

/** The session could not be set up for a reason other than credentials or cipher suite (RMCP+ status codes). */
export class IpmiSessionError extends IpmiError {
  override name = 'IpmiSessionError';
  constructor(message: string, bmc: string, readonly rmcpStatus?: number) {
    super(message, bmc);
  }
}

/** A command was answered with a completion code other than 00h; the message carries the spec's meaning. */
export class IpmiCompletionCodeError extends IpmiError {
  override name = 'IpmiCompletionCodeError';
  constructor(message: string, bmc: string, readonly command: string, readonly completionCode: number) {
    super(message, bmc);
  }
}

/** A reply that does not follow the spec (too short, bad checksum, unexpected field values). */
export class IpmiProtocolError extends IpmiError {
  override name = 'IpmiProtocolError';
}
