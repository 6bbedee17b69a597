import { IpmiTimeoutError } from './errors.js';
import type { DatagramTransport } from './udp-transport.js';

/**
 * One request/response exchange with retransmission (IPMI 2.0 §6.12.2 / §13.x): send, wait up to the per-request
 * timeout for a datagram the caller accepts, and send again — a freshly built packet, so the session sequence
 * number moves on while the IPMI rqSeq stays, which lets a BMC recognise a repeated request — until the retries
 * are spent or the operation's deadline passes. Never waits past the deadline.
 */
export interface ExchangeOptions<T> {
  transport: DatagramTransport;
  address: string;
  port: number;
  /** `host:port` for messages. */
  bmc: string;
  /** What is being asked, for the timeout message, e.g. "Get Chassis Status". */
  what: string;
  /** Builds the datagram of the given attempt (0 = first send). */
  build: (attempt: number) => Buffer;
  /** The answer, or undefined for a datagram that is not one (stale, foreign, corrupt). May throw to fail. */
  accept: (datagram: Buffer) => T | undefined;
  timeoutMs: number;
  /** Sends after the first. */
  retries: number;
  /** Epoch ms after which no more waiting happens. */
  deadline: number;
  /** Called before each retransmission (attempt ≥ 1), for logging. */
  onRetransmit?: (attempt: number) => void;
}

export function exchange<T>(o: ExchangeOptions<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let attempt = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unlisten();
      fn();
    };
    const unlisten = o.transport.listen(o.address, o.port, (datagram) => {
      let answer: T | undefined;
      try {
        answer = o.accept(datagram);
      } catch (e) {
        finish(() => reject(e instanceof Error ? e : new Error(String(e))));
        return;
      }
      if (answer !== undefined) finish(() => resolve(answer));
    });
    const send = () => {
      const left = o.deadline - Date.now();
      if (left <= 0) {
        finish(() => reject(timeoutError(o, attempt)));
        return;
      }
      try {
        if (attempt > 0) o.onRetransmit?.(attempt);
        o.transport.send(o.address, o.port, o.build(attempt));
      } catch (e) {
        finish(() => reject(e instanceof Error ? e : new Error(String(e))));
        return;
      }
      attempt++;
      timer = setTimeout(() => {
        if (attempt > o.retries) finish(() => reject(timeoutError(o, attempt)));
        else send();
      }, Math.min(o.timeoutMs, left));
    };
    send();
  });
}

function timeoutError(o: ExchangeOptions<unknown>, sends: number): IpmiTimeoutError {
  const reason = sends > o.retries
    ? `no answer after ${sends} ${sends === 1 ? 'try' : 'tries'} of ${o.timeoutMs} ms`
    : 'the operation\'s time limit passed';
  return new IpmiTimeoutError(`IPMI BMC at ${o.bmc} did not answer ${o.what}: ${reason}`, o.bmc);
}
