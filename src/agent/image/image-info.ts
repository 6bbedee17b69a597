/**
 * Maps the image_info Ironic sends (deploy step write_image / standby.prepare_image) to writeImage's options, so
 * the command layer stays a thin adapter. Pure. Whole-disk images only: partition images (kernel/ramdisk, root_gb,
 * configdrive partition) are not handled here. `stream_raw_images: false` is accepted and ignored: raw images are
 * always streamed, which IPA does only because its fallback (download to tmpfs first) needs RAM the size of the image.
 */
import { checksumFromImageInfo, type ImageInfoChecksumFields } from './checksum.js';
import { ImageFormatError, InvalidImageInfoError } from './errors.js';
import type { Proxies } from './http-source.js';
import type { WriteImageOptions } from './write-image.js';

export interface ImageInfo extends ImageInfoChecksumFields {
  id?: string;
  urls?: string[];
  disk_format?: string;
  container_format?: string;
  stream_raw_images?: boolean;
  proxies?: { http?: string; https?: string };
  no_proxy?: string;
  image_type?: string;
  [key: string]: unknown;
}

export function writeOptionsFromImageInfo(
  info: ImageInfo, target: string, config: { md5Allowed?: boolean } = {},
): Omit<WriteImageOptions, 'signal' | 'log'> {
  if (!Array.isArray(info.urls) || info.urls.length === 0 || !info.urls.every((u) => typeof u === 'string')) {
    throw new InvalidImageInfoError('Image info has no urls');
  }
  if (info.image_type === 'partition') {
    throw new ImageFormatError('Partition images are not supported yet; use a whole-disk image');
  }
  const format = (info.disk_format ?? 'raw').toLowerCase();
  if (format !== 'raw' && format !== 'qcow2') {
    throw new ImageFormatError(`Unsupported disk_format "${info.disk_format}": only raw and qcow2 images are written`);
  }
  const proxies: Proxies | undefined = info.proxies || info.no_proxy
    ? { http: info.proxies?.http, https: info.proxies?.https, no_proxy: info.no_proxy }
    : undefined;
  return {
    urls: info.urls,
    checksum: checksumFromImageInfo(info, config.md5Allowed ?? true),
    diskFormat: format,
    target,
    proxies,
  };
}
