import type { Config } from '../../config.js';
import type { Store } from '../../store/store.js';
import type { ProvisionRequest } from '../../domain/provision-request.js';

/** What a provisioning flow may need besides its task. */
export interface FlowContext {
  config: Config;
  store: Store;
}

/** The arguments of a provision request that flows consume. */
export type ProvisionArgs = Omit<ProvisionRequest, 'verb' | 'event'>;
