import type { Config } from '../../config.js';
import type { Store } from '../../store/store.js';
import type { JsonObject } from '../../domain/node.js';

/** What a provisioning flow may need besides its task. */
export interface FlowContext {
  config: Config;
  store: Store;
}

/** The arguments of a provision request that flows consume. */
export interface ProvisionArgs {
  configdrive?: string | JsonObject;
  clean_steps?: JsonObject[];
  deploy_steps?: JsonObject[];
  service_steps?: JsonObject[];
  rescue_password?: string;
  disable_ramdisk?: boolean;
}
