/**
 * What can go wrong writing an image to a node's disk, as types the agent's command layer can report: each `name`
 * is the ironic-python-agent error type Ironic shows in a failed command's `command_error.type` (and so in the
 * node's last_error). Messages name the image URL without its credentials and say what the operator can fix.
 */

export class ImageError extends Error {
  override name = 'ImageError';
  /** True when the disk was written to and then marked unbootable (first and last MiB zeroed). */
  diskMarkedUnbootable = false;
}

/** The image (or its checksum file) could not be fetched: refused, HTTP error, stalled, cut short. */
export class ImageDownloadError extends ImageError {
  override name = 'ImageDownloadError';
  constructor(message: string, readonly url?: string, readonly status?: number, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The image's digest differs from the one Ironic sent. */
export class ImageChecksumError extends ImageError {
  override name = 'ImageChecksumError';
  constructor(readonly algo: string, readonly expected: string, readonly actual: string, url: string) {
    super(`Image checksum mismatch for ${url}: expected ${algo} ${expected}, got ${actual}`);
  }
}

/** The image does not fit on the target disk. */
export class ImageTooLargeError extends ImageError {
  override name = 'ImageTooLargeError';
  constructor(message: string, readonly imageBytes: number, readonly diskBytes: number) {
    super(message);
  }
}

/** The content is not what disk_format says, or is a format (or a qcow2 feature) we refuse to write. */
export class ImageFormatError extends ImageError {
  override name = 'ImageFormatError';
}

/** The disk itself failed: cannot be opened, a write or the final flush failed, qemu-img convert failed. */
export class ImageWriteError extends ImageError {
  override name = 'ImageWriteError';
}

/** The image_info given to the agent is unusable (no URL, no or malformed checksum, unknown algorithm). */
export class InvalidImageInfoError extends ImageError {
  override name = 'InvalidImageInfo';
}
