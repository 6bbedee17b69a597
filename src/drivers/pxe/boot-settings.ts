/**
 * Where nodes network-boot from: Ferrite's own boot file server (`[deploy] http_url`, under the API) and the agent
 * it boots. Built once from the configuration by the service and handed to the boot interfaces.
 */
export interface BootSettings {
  /** The API URL the agent calls back (`ipa-api-url`): `[api] public_endpoint` or the address the API listens on. */
  apiUrl: string;
  /** Base URL of the boot files (`[deploy] http_url`), without a trailing slash. */
  httpUrl: string;
  /** `[conductor] deploy_kernel`: the kernel nodes boot unless their driver_info names another. */
  deployKernel: string;
  /** `[conductor] deploy_ramdisk` */
  deployRamdisk: string;
  /** `[pxe] kernel_append_params`: words added to every ramdisk's kernel command line. */
  kernelAppendParams: string;
}
