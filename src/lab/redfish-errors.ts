// The Base message registry entries the lab emits, in one catalogue so every error body has the same shape and
// clients (sushy, redfishtool, our own client) can be tested against stable MessageIds.

type Severity = 'OK' | 'Warning' | 'Critical';

interface MessageDef {
  message: string; // %1, %2 … stand for MessageArgs, as in DMTF registries
  severity: Severity;
  resolution: string;
}

const REGISTRY_PREFIX = 'Base.1.8.';

const MESSAGES = {
  Success: {
    message: 'Successfully Completed Request',
    severity: 'OK',
    resolution: 'None',
  },
  GeneralError: {
    message: 'A general error has occurred. %1',
    severity: 'Critical',
    resolution: 'None.',
  },
  InternalError: {
    message: 'The request failed due to an internal service error.  The service is still operational.',
    severity: 'Critical',
    resolution: 'Resubmit the request.  If the problem persists, consider resetting the service.',
  },
  ServiceTemporarilyUnavailable: {
    message: 'The service is temporarily unavailable.  Retry in %1 seconds.',
    severity: 'Critical',
    resolution: 'Wait for the indicated retry duration and retry the operation.',
  },
  ResourceMissingAtURI: {
    message: 'The resource at the URI %1 was not found.',
    severity: 'Critical',
    resolution: 'Place a valid resource at the URI or correct the URI and resubmit the request.',
  },
  ActionNotSupported: {
    message: 'The action %1 is not supported by the resource.',
    severity: 'Critical',
    resolution: 'The action supplied cannot be resubmitted to the implementation.',
  },
  MalformedJSON: {
    message: 'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
    severity: 'Critical',
    resolution: 'Ensure that the request body is valid JSON and resubmit the request.',
  },
  NoValidSession: {
    message: 'There is no valid session established with the implementation.',
    severity: 'Critical',
    resolution: 'Establish a session before attempting any operations.',
  },
  PreconditionFailed: {
    message: 'The ETag supplied did not match the ETag required to change this resource.',
    severity: 'Critical',
    resolution: 'Try the operation again using the appropriate ETag.',
  },
  PropertyValueNotInList: {
    message: 'The value %1 for the property %2 is not in the list of acceptable values.',
    severity: 'Warning',
    resolution: 'Choose a value from the enumeration list that the implementation can support and resubmit the request.',
  },
  PropertyValueTypeError: {
    message: 'The value %1 for the property %2 is of a different type than the property can accept.',
    severity: 'Warning',
    resolution: 'Correct the value for the property in the request body and resubmit the request.',
  },
  PropertyNotWritable: {
    message: 'The property %1 is a read only property and cannot be assigned a value.',
    severity: 'Warning',
    resolution: 'Remove the property from the request body and resubmit the request.',
  },
  PropertyUnknown: {
    message: 'The property %1 is not in the list of valid properties for the resource.',
    severity: 'Warning',
    resolution: 'Remove the unknown property from the request body and resubmit the request.',
  },
  PropertyMissing: {
    message: 'The property %1 is a required property and must be included in the request.',
    severity: 'Warning',
    resolution: 'Ensure that the property is in the request body and has a valid value and resubmit the request.',
  },
  ActionParameterValueNotInList: {
    message: 'The value %1 for the parameter %2 is not in the list of acceptable values for this action.',
    severity: 'Warning',
    resolution: 'Choose a value from the enumeration list that the implementation can support and resubmit the request.',
  },
  ActionParameterMissing: {
    message: 'The action requires the parameter %2 to be present in the request body (action %1).',
    severity: 'Critical',
    resolution: 'Supply the action with the required parameter in the request body when the request is resubmitted.',
  },
  ActionParameterValueTypeError: {
    message: 'The value %1 for the parameter %2 is of a different type than the parameter can accept.',
    severity: 'Warning',
    resolution: 'Correct the value for the parameter in the request body and resubmit the request.',
  },
  ResourceInUse: {
    message: 'The change to the requested resource failed because the resource is in use or in transition.',
    severity: 'Warning',
    resolution: 'Remove the condition and resubmit the request if the operation failed.',
  },
} satisfies Record<string, MessageDef>;

export type MessageId = keyof typeof MESSAGES;

export interface ExtendedInfo {
  '@odata.type': string;
  MessageId: string;
  Message: string;
  MessageArgs: string[];
  Severity: Severity;
  Resolution: string;
}

export interface RedfishErrorBody {
  error: { code: string; message: string; '@Message.ExtendedInfo': ExtendedInfo[] };
}

export function message(id: MessageId, args: readonly unknown[] = []): ExtendedInfo {
  const def: MessageDef = MESSAGES[id];
  const strArgs = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));
  const text = def.message.replace(/%(\d)/g, (_, n: string) => strArgs[Number(n) - 1] ?? '').trim();
  return {
    '@odata.type': '#Message.v1_1_1.Message',
    MessageId: REGISTRY_PREFIX + id,
    Message: text,
    MessageArgs: strArgs,
    Severity: def.severity,
    Resolution: def.resolution,
  };
}

/** An error body whose top-level code is the first message's id, as most BMCs do for single-cause errors. */
export function errorBody(infos: ExtendedInfo[]): RedfishErrorBody {
  const first = infos[0] ?? message('GeneralError');
  const single = infos.length === 1;
  return {
    error: {
      code: single ? first.MessageId : REGISTRY_PREFIX + 'GeneralError',
      message: single ? first.Message : 'A general error has occurred. See ExtendedInfo for more information.',
      '@Message.ExtendedInfo': infos,
    },
  };
}

export function simpleError(id: MessageId, args: readonly unknown[] = []): RedfishErrorBody {
  return errorBody([message(id, args)]);
}
