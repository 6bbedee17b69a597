import { FerriteError } from '../domain/errors.js';

/**
 * Ironic's error body: the fault is JSON encoded inside `error_message` (clients decode it twice). 4xx are
 * "Client" faults; anything unexpected is a 500 "Server" fault whose details stay in the log.
 */
export function errorBody(faultstring: string, status: number): string {
  const inner = JSON.stringify({ faultcode: status < 500 ? 'Client' : 'Server', faultstring, debuginfo: null });
  return JSON.stringify({ error_message: inner });
}

/** The shape framework-level errors (405, 406 of version negotiation) have in Ironic. */
export function httpErrorBody(status: number, title: string, description: string): string {
  return JSON.stringify({ error_message: JSON.stringify({ code: status, title, description }) });
}

export interface MappedError {
  status: number;
  body: string;
}

export function mapError(err: unknown): MappedError | undefined {
  if (err instanceof FerriteError) return { status: err.status, body: errorBody(err.message, err.status) };
  return undefined;
}
