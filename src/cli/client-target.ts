/** Where a client subcommand finds the API, and as whom it speaks. */
export interface ClientTarget {
  url: string;
  /** An Authorization header value, when credentials were given. */
  authorization?: string;
}

const DEFAULT_URL = 'http://127.0.0.1:6385';

/**
 * `--url`, else FERRITE_URL, else OS_ENDPOINT (what the openstack CLI reads with auth type none), else the local
 * default; credentials from `--user`/`--password`, else FERRITE_USER/FERRITE_PASSWORD, else OS_USERNAME/OS_PASSWORD.
 */
export function clientTarget(opts: { url?: string; user?: string; password?: string }, env: NodeJS.ProcessEnv = process.env): ClientTarget {
  const url = (opts.url ?? (env.FERRITE_URL || undefined) ?? (env.OS_ENDPOINT || undefined) ?? DEFAULT_URL).replace(/\/+$/, '');
  const user = opts.user ?? (env.FERRITE_USER || undefined) ?? (env.OS_USERNAME || undefined);
  const password = opts.password ?? (env.FERRITE_PASSWORD || undefined) ?? (env.OS_PASSWORD || undefined);
  if (user === undefined) return { url };
  return { url, authorization: `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}` };
}
