import type { FastifyRequest } from 'fastify';

export interface Link {
  href: string;
  rel: string;
  type?: string;
}

/** The public base URL: `[api] public_endpoint` or what the client used to reach us. */
export function baseUrl(request: FastifyRequest, publicEndpoint: string | null): string {
  if (publicEndpoint) return publicEndpoint;
  const host = request.headers.host ?? `${request.hostname}`;
  return `${request.protocol}://${host}`;
}

/** `self` (with /v1) and `bookmark` (without) links to a resource, as Ironic builds them. */
export function resourceLinks(base: string, resource: string, id: string): Link[] {
  return [
    { href: `${base}/v1/${resource}/${id}`, rel: 'self' },
    { href: `${base}/${resource}/${id}`, rel: 'bookmark' },
  ];
}
