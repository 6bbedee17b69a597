/**
 * ironic-python-agent's RESTError family (ironic_python_agent/errors.py): serialised as `{type, code, message,
 * details}` inside a failed command's `command_error`; raised from the HTTP layer they become the WSME-like body
 * `{faultcode, faultstring}` with `faultstring = "<message>: <details>"` and the error's status code.
 */
import { ImageError } from '../image/errors.js';

export class RestError extends Error {
  constructor(readonly type: string, readonly code: number, readonly title: string, readonly details: string) {
    super(`${title}: ${details}`);
  }

  toJSON(): { type: string; code: number; message: string; details: string } {
    return { type: this.type, code: this.code, message: this.title, details: this.details };
  }
}

export const commandExecutionError = (details: string) =>
  new RestError('CommandExecutionError', 500, 'Command execution failed', details);
export const invalidCommandError = (details: string) => new RestError('InvalidCommandError', 400, 'Invalid command', details);
export const invalidCommandParamsError = (details: string) =>
  new RestError('InvalidCommandParamsError', 400, 'Invalid command parameters', details);
export const notFoundError = (what: string, id: string) =>
  new RestError('RequestedObjectNotFoundError', 404, 'Not found', `${what} with id ${id} not found.`);
export const agentIsBusy = (commandName: string) =>
  new RestError('AgentIsBusy', 409, 'Agent is busy', `executing command ${commandName}`);
export const cleaningError = (details: string) => new RestError('CleaningError', 500, 'Clean step failed', details);
export const systemRebootError = (details: string) => new RestError('SystemRebootError', 500, 'Error rebooting system', details);
export const deploymentError = (details: string) => new RestError('DeploymentError', 500, 'Deploy step failed', details);

/** IPA's message for each image error type our pipeline reports (same type names as IPA's). */
const IMAGE_MESSAGES: Record<string, string> = {
  ImageDownloadError: 'Error downloading image',
  ImageChecksumError: 'Error verifying image checksum',
  ImageWriteError: 'Error writing image to device',
  InvalidImage: 'The provided image is not valid for use',
};

/** What a failed command reports: RestErrors as they are, image errors under IPA's type, anything else wrapped. */
export function toRestError(e: unknown): RestError {
  if (e instanceof RestError) return e;
  if (e instanceof ImageError) {
    const details = e.diskMarkedUnbootable ? `${e.message} (the disk was marked unbootable)` : e.message;
    return new RestError(e.name, 500, IMAGE_MESSAGES[e.name] ?? 'Command execution failed', details);
  }
  return commandExecutionError(e instanceof Error ? e.message : String(e));
}
