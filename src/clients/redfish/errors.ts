/**
 * What can go wrong talking to a Redfish service, as types a caller can act on: the BMC could not be reached, it
 * refused our credentials, its certificate did not verify, or it answered with an error. Messages name the BMC
 * and never carry credentials.
 */

/** One entry of a Redfish error's `@Message.ExtendedInfo`. */
export interface RedfishMessage {
  MessageId?: string;
  Message?: string;
  MessageArgs?: unknown[];
  Severity?: string;
  Resolution?: string;
}

export class RedfishError extends Error {
  override name = 'RedfishError';
}

/** No answer: connection refused or reset, DNS failure, timeout. The BMC may be down or rebooting. */
export class RedfishConnectionError extends RedfishError {
  override name = 'RedfishConnectionError';
  constructor(message: string, readonly code: string | undefined, readonly timedOut = false) {
    super(message);
  }
}

/** The BMC's certificate could not be verified against the configured CA bundle. */
export class RedfishTlsError extends RedfishError {
  override name = 'RedfishTlsError';
}

/** An HTTP error answer from the BMC, with the Redfish messages it carried. */
export class RedfishHttpError extends RedfishError {
  override name = 'RedfishHttpError';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly messages: RedfishMessage[],
    readonly code: string | undefined,
  ) {
    const detail = messages.map((m) => m.Message ?? m.MessageId).filter(Boolean).join('; ');
    super(`Redfish ${method} ${url} failed with HTTP ${status}${detail ? `: ${detail}` : code ? `: ${code}` : ''}`);
  }

  /** The MessageIds of the error, without their registry version (`Base.1.8.PreconditionFailed` → `PreconditionFailed`). */
  messageIds(): string[] {
    const ids = this.messages.map((m) => m.MessageId).filter((id): id is string => typeof id === 'string');
    if (this.code) ids.push(this.code);
    return ids.map((id) => id.split('.').pop() ?? id);
  }
}

/** 401/403: the credentials were refused (or the session could not be established). */
export class RedfishAuthError extends RedfishHttpError {
  override name = 'RedfishAuthError';
}

/** An asynchronous Redfish task ended in a state other than Completed, or did not end in time. */
export class RedfishTaskError extends RedfishError {
  override name = 'RedfishTaskError';
}
