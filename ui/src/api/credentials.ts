/**
 * The http_basic credentials the operator typed, kept for this browser tab only (sessionStorage): closing the tab
 * logs out, and nothing is written to disk.
 */
const KEY = 'ferrite.basic';

let header: string | undefined = sessionStorage.getItem(KEY) ?? undefined;
const listeners = new Set<() => void>();

export function authorization(): string | undefined {
  return header;
}

export function logIn(user: string, password: string): void {
  // btoa takes Latin-1 only; encode UTF-8 first so any password works.
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  header = `Basic ${btoa(String.fromCharCode(...bytes))}`;
  sessionStorage.setItem(KEY, header);
  for (const fn of listeners) fn();
}

export function logOut(): void {
  header = undefined;
  sessionStorage.removeItem(KEY);
  for (const fn of listeners) fn();
}

export function onCredentialsChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
