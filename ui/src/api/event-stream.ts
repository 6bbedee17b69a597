import { createParser } from 'eventsource-parser';
import { ApiError, authRequired, FETCH_CREDENTIALS, faultOf, requestHeaders } from './client.ts';

export interface StreamEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface StreamHandlers {
  onEvent: (e: StreamEvent) => void;
  /** Where the connection is: `live` once the server said `ready` (after any resumed backlog). */
  onState: (state: 'connecting' | 'live' | 'retrying' | 'stopped', detail?: string) => void;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

/**
 * Ferrite's event stream read over fetch rather than EventSource: EventSource cannot send the Authorization header
 * http_basic needs. Reconnects with backoff and resumes from the last id it saw, as EventSource would.
 */
export function openEventStream(path: string, handlers: StreamHandlers): () => void {
  const abort = new AbortController();
  let lastId: string | undefined;
  let delay = RETRY_MIN_MS;

  const connectOnce = async () => {
    handlers.onState('connecting');
    const res = await fetch(path, {
      headers: requestHeaders(lastId ? { 'Last-Event-ID': lastId, Accept: 'text/event-stream' } : { Accept: 'text/event-stream' }),
      signal: abort.signal,
      credentials: FETCH_CREDENTIALS,
    });
    if (!res.ok || !res.body) {
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: shown as it is
      }
      throw new ApiError(res.status, faultOf(body, `${res.status} ${res.statusText}`), body);
    }
    const parser = createParser({
      onEvent(ev) {
        if (ev.id !== undefined) lastId = ev.id;
        if (ev.event === 'ready') {
          delay = RETRY_MIN_MS;
          handlers.onState('live');
        }
        handlers.onEvent({ id: ev.id, event: ev.event ?? 'message', data: ev.data });
      },
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  };

  void (async () => {
    while (!abort.signal.aborted) {
      try {
        await connectOnce();
      } catch (e) {
        if (abort.signal.aborted) break;
        if (e instanceof ApiError && e.status === 401) {
          handlers.onState('stopped', e.message);
          authRequired();
          return;
        }
        handlers.onState('retrying', e instanceof Error ? e.message : String(e));
      }
      if (abort.signal.aborted) break;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  })();
  return () => abort.abort();
}
