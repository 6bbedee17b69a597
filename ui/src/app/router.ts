import { useSyncExternalStore } from 'react';

/**
 * Routes live in the URL's fragment (`#/nodes/<uuid>`): the service serves one page at `/` and never needs to know
 * the UI's routes, and the Ironic API keeps every other path.
 */
export type Route =
  | { page: 'fleet'; params: URLSearchParams }
  | { page: 'node'; ident: string }
  | { page: 'enroll' }
  | { page: 'missing'; path: string };

function subscribe(fn: () => void) {
  window.addEventListener('hashchange', fn);
  return () => window.removeEventListener('hashchange', fn);
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?', 2);
  if (path === '/' || path === '') return { page: 'fleet', params: new URLSearchParams(search) };
  const node = /^\/nodes\/([^/]+)$/.exec(path);
  if (node) return { page: 'node', ident: decodeURIComponent(node[1]) };
  if (path === '/enroll') return { page: 'enroll' };
  return { page: 'missing', path };
}

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => location.hash);
}

export function nodeHref(uuid: string): string {
  return `#/nodes/${encodeURIComponent(uuid)}`;
}

/** Replaces the fleet view's query in the address without adding a history entry per keystroke. */
export function replaceFleetParams(params: URLSearchParams): void {
  const search = params.toString();
  const hash = search ? `#/?${search}` : '#/';
  if (location.hash !== hash) history.replaceState(null, '', hash);
}
