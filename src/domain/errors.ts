/**
 * The error catalogue. Every failure the service reports to a client is one of these classes; each carries a
 * stable `code` and the HTTP status Ironic uses for the same situation. The mapping to an HTTP response happens
 * once, in the API's error handler. Messages follow Ironic's wording because clients and operators match on them.
 */
export abstract class FerriteError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** Errors that a caller may retry unchanged (a lock, a busy worker) as opposed to ones that need a new request. */
  readonly retryable: boolean = false;
}

function defineError(code: string, status: number, retryable = false) {
  return class extends FerriteError {
    readonly code = code;
    readonly status = status;
    override readonly retryable = retryable;
    constructor(message: string) {
      super(message);
      this.name = code;
    }
  };
}

export class InvalidParameterValue extends defineError('InvalidParameterValue', 400) {}
export class MissingParameterValue extends defineError('MissingParameterValue', 400) {}
export class InvalidStateRequested extends defineError('InvalidStateRequested', 400) {}
export class PatchError extends defineError('PatchError', 400) {}
export class NodeInMaintenance extends defineError('NodeInMaintenance', 400) {}
export class ChassisNotEmpty extends defineError('ChassisNotEmpty', 400) {}
export class PortgroupNotEmpty extends defineError('PortgroupNotEmpty', 400) {}
export class UnsupportedDriverExtension extends defineError('UnsupportedDriverExtension', 400) {}
export class NoValidHost extends defineError('NoValidHost', 400) {}
export class Forbidden extends defineError('Forbidden', 403) {}
export class NodeProtected extends defineError('NodeProtected', 403) {}
export class Unauthorized extends defineError('Unauthorized', 401) {}
export class NotFound extends defineError('NotFound', 404) {}
export class MethodNotAllowed extends defineError('MethodNotAllowed', 405) {}
export class NotAcceptable extends defineError('NotAcceptable', 406) {}
export class Conflict extends defineError('Conflict', 409) {}
export class NodeLocked extends defineError('NodeLocked', 409, true) {}
export class InvalidState extends defineError('InvalidState', 409) {}
export class NodeAssociated extends defineError('NodeAssociated', 409) {}
export class DuplicateName extends defineError('DuplicateName', 409) {}
export class AlreadyExists extends defineError('AlreadyExists', 409) {}
export class PayloadTooLarge extends defineError('PayloadTooLarge', 413) {}
export class UnsupportedMediaType extends defineError('UnsupportedMediaType', 415) {}
export class TemporaryFailure extends defineError('TemporaryFailure', 503, true) {}

/** Errors raised by hardware interfaces while a conductor task runs; they end up in a node's last_error. */
export class DriverError extends defineError('DriverError', 500) {}

export const nodeNotFound = (ident: string) => new NotFound(`Node ${ident} could not be found.`);

/** An ident that can be neither a UUID nor a logical name (Ironic's InvalidUuidOrName). */
export const invalidUuidOrName = (ident: string) => new InvalidParameterValue(`Expected a logical name or UUID but received ${ident}.`);

export const nodeLocked = (uuid: string, host: string) =>
  new NodeLocked(
    `Node ${uuid} is locked by host ${host}, please retry after the current operation is completed.`,
  );

export const invalidTransition = (verb: string, uuid: string, state: string) =>
  new InvalidStateRequested(
    `The requested action "${verb}" can not be performed on node "${uuid}" while it is in state "${state}".`,
  );
