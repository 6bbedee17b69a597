/**
 * The image a node is to be deployed with, read from its instance_info (Ironic's names), and the image_info the
 * agent's write_image step takes. Pure. Images are whole-disk images at http(s) URLs with a checksum: a Glance id
 * cannot be resolved without Glance, and an image that cannot be verified is not written.
 */
import { InvalidParameterValue, MissingParameterValue } from '../../domain/errors.js';
import type { JsonObject, Node } from '../../domain/node.js';
import { isHttpUrl } from '../../domain/validation.js';

const HASH_ALGOS = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

export interface InstanceImage {
  url: string;
  diskFormat: 'raw' | 'qcow2';
  /** Exactly one way to verify: os_hash (algo + value), or the legacy image_checksum (a hash, or a checksum file URL). */
  osHashAlgo?: string;
  osHashValue?: string;
  checksum?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);


/** Throws Ironic's parameter errors when the node's instance_info does not describe a deployable image. */
export function instanceImage(node: Node): InstanceImage {
  const info = node.instance_info;
  const url = str(info.image_source);
  if (!url) {
    throw new MissingParameterValue(
      `Cannot validate image information for node ${node.uuid} because one or more parameters are missing from its instance_info. Missing are: ['image_source']`,
    );
  }
  if (!isHttpUrl(url)) {
    throw new InvalidParameterValue(
      `instance_info.image_source "${url}" of node ${node.uuid} is not an http(s) URL: Ferrite deploys images from URLs (there is no Glance to resolve an image id)`,
    );
  }
  const image: InstanceImage = { url, diskFormat: diskFormat(info, url, node.uuid) };
  const algo = str(info.image_os_hash_algo);
  const value = str(info.image_os_hash_value);
  const checksum = str(info.image_checksum);
  if (algo !== undefined || value !== undefined) {
    if (algo === undefined || value === undefined) {
      throw new MissingParameterValue(`Node ${node.uuid}: instance_info.image_os_hash_algo and image_os_hash_value go together; one of them is missing`);
    }
    if (!HASH_ALGOS.has(algo.toLowerCase())) {
      throw new InvalidParameterValue(`Node ${node.uuid}: instance_info.image_os_hash_algo "${algo}" is not one of ${[...HASH_ALGOS].join(', ')}`);
    }
    image.osHashAlgo = algo.toLowerCase();
    image.osHashValue = value.toLowerCase();
  } else if (checksum !== undefined) {
    image.checksum = checksum;
  } else {
    throw new MissingParameterValue(
      `Node ${node.uuid}: the image at ${url} cannot be verified: set instance_info.image_checksum, or image_os_hash_algo and image_os_hash_value`,
    );
  }
  return image;
}

function diskFormat(info: JsonObject, url: string, uuid: string): 'raw' | 'qcow2' {
  const given = str(info.image_disk_format)?.toLowerCase();
  if (given === 'raw' || given === 'qcow2') return given;
  if (given !== undefined) {
    throw new InvalidParameterValue(`Node ${uuid}: instance_info.image_disk_format "${given}" is not supported (raw or qcow2)`);
  }
  // Without a format, the file name tells, as it does for an operator; anything else is written as it comes.
  return new URL(url).pathname.toLowerCase().endsWith('.qcow2') ? 'qcow2' : 'raw';
}

/** The image_info of IPA's write_image / standby.prepare_image for a whole-disk image. */
export function agentImageInfo(node: Node, image: InstanceImage): JsonObject {
  const out: JsonObject = {
    id: image.url,
    urls: [image.url],
    disk_format: image.diskFormat,
    container_format: 'bare',
    stream_raw_images: true,
    image_type: 'whole-disk',
    node_uuid: node.uuid,
  };
  if (image.osHashAlgo !== undefined) {
    out.os_hash_algo = image.osHashAlgo;
    out.os_hash_value = image.osHashValue ?? null;
  }
  if (image.checksum !== undefined) out.checksum = image.checksum;
  return out;
}
