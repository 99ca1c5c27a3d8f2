/**
 * Webhook delivery of EPCIS stream subscriptions: each subscription's new matching events are POSTed to its `dest`
 * as EPCISQueryDocuments, in chain order, in batches. The bookmark (last event acknowledged with a 2xx) is stored
 * after each acknowledged batch, so a restart resumes exactly after it: an acknowledged event is not sent again and
 * no event after it is skipped. The one window left is a crash between the subscriber's 2xx and the bookmark's
 * commit; the batch is then sent again with the same `Idempotency-Key` header, which names the batch's events, so a
 * subscriber that remembers keys drops it.
 *
 * Any number of gateway processes may run a dispatcher: a subscription is leased to one of them for a turn
 * (`claimDue`), and a process that dies holding a lease loses it when the lease ends. A failed delivery is retried
 * after a growing delay (bounded), and a subscription that fails `maxAttempts` times in a row is deactivated (its
 * GET shows `active: false` and the last error). Every loop here is bounded: claims per round, batches per turn,
 * events per batch.
 */
import { createHmac } from 'node:crypto';
import type { EpcisQuery } from '../../domain/epcis-query';
import type {
  ClaimedSubscription,
  EpcisPosition,
  EpcisRepository,
  EpcisSubscriptionsRepository,
} from '../../repositories/epcis';
import { newEpcisQueryDocument } from '../../projection/epcis-document';
import { encodeCursor } from './cursor';
import { streamQuery } from './stream-query';
import { parseQuery, visibleToOf } from './epcis-service';
import type { NewEventsSignal } from './new-events';

/** POST `body` to `dest`; resolves with the HTTP status, rejects when no answer came (refused address, timeout). */
export type PostWebhook = (dest: string, body: string, headers: Readonly<Record<string, string>>) => Promise<number>;

/** Log sink. */
export interface DispatcherLogger {
  info(obj: object, message: string): void;
  warn(obj: object, message: string): void;
}

/** Options of {@link newWebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  readonly events: EpcisRepository;
  readonly subscriptions: EpcisSubscriptionsRepository;
  readonly post: PostWebhook;
  /** Wakes the dispatcher when events were projected; without it, it polls only. */
  readonly signal?: NewEventsSignal;
  readonly log?: DispatcherLogger;
  /** Time between rounds when nothing wakes it, in milliseconds. */
  readonly pollMs?: number;
  /** Events per POST. */
  readonly batchMaxEvents?: number;
  /** POSTs per subscription and turn (then the next subscription's turn). */
  readonly batchesPerTurn?: number;
  /** Subscriptions claimed per round at most. */
  readonly claimsPerRound?: number;
  /** How long a claimed subscription stays this process's; longer than a POST may take. */
  readonly leaseMs?: number;
  readonly retryDelayMsMin?: number;
  readonly retryDelayMsMax?: number;
  /** Failures in a row after which a subscription is deactivated. */
  readonly maxAttempts?: number;
}

export const DEFAULT_WEBHOOK_POLL_MS = 5_000;
export const DEFAULT_WEBHOOK_BATCH_MAX_EVENTS = 100;
export const DEFAULT_WEBHOOK_BATCHES_PER_TURN = 10;
export const DEFAULT_WEBHOOK_CLAIMS_PER_ROUND = 100;
export const DEFAULT_WEBHOOK_LEASE_MS = 60_000;
export const DEFAULT_WEBHOOK_RETRY_DELAY_MS_MIN = 1_000;
export const DEFAULT_WEBHOOK_RETRY_DELAY_MS_MAX = 3_600_000;
export const DEFAULT_WEBHOOK_MAX_ATTEMPTS = 50;

/** A running dispatcher. */
export interface WebhookDispatcher {
  start(): void;
  /** Stop: the turn in progress finishes (its POST is bounded by the client's timeout). */
  stop(): Promise<void>;
  /** One round now (tests); resolves when it is done. */
  runOnce(): Promise<void>;
}

/** `GS1-Signature`: HMAC-SHA256 of the body with the subscriber's `signatureToken`, hex. */
export function signatureOf(token: string, body: string): string {
  return `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
}

/**
 * Create a dispatcher (not started).
 *
 * @param options - Repositories, HTTP client, limits.
 * @returns The dispatcher.
 */
export function newWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const pollMs = options.pollMs ?? DEFAULT_WEBHOOK_POLL_MS;
  const batchMax = options.batchMaxEvents ?? DEFAULT_WEBHOOK_BATCH_MAX_EVENTS;
  const batchesPerTurn = options.batchesPerTurn ?? DEFAULT_WEBHOOK_BATCHES_PER_TURN;
  const claimsPerRound = options.claimsPerRound ?? DEFAULT_WEBHOOK_CLAIMS_PER_ROUND;
  const leaseMs = options.leaseMs ?? DEFAULT_WEBHOOK_LEASE_MS;
  const delayMin = options.retryDelayMsMin ?? DEFAULT_WEBHOOK_RETRY_DELAY_MS_MIN;
  const delayMax = options.retryDelayMsMax ?? DEFAULT_WEBHOOK_RETRY_DELAY_MS_MAX;
  const maxAttempts = options.maxAttempts ?? DEFAULT_WEBHOOK_MAX_ATTEMPTS;
  const { events, subscriptions, post, log } = options;

  let stopped = true;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let woken = false;
  let unlisten: (() => void) | undefined;

  /** One subscription's turn: up to `batchesPerTurn` POSTs. */
  async function turn(subscription: ClaimedSubscription): Promise<void> {
    let bookmark: EpcisPosition | undefined = subscription.bookmark;
    let query: EpcisQuery;
    try {
      query = streamQuery(parseQuery(subscription.query));
    } catch (err: unknown) {
      // A stored query this gateway no longer accepts: nothing can be delivered until it is replaced.
      await subscriptions.failed(subscription.id, subscription.leaseToken, new Date(), String(err), true);
      return;
    }
    const visibleTo = visibleToOf(subscription.owner);
    for (let batch = 0; batch < batchesPerTurn; batch++) {
      const rows = await events.events({
        query,
        ...(visibleTo === undefined ? {} : { visibleTo }),
        ...(bookmark === undefined ? {} : { after: bookmark }),
        limit: batchMax,
      });
      const last = rows[rows.length - 1];
      if (last === undefined) break;
      const document = newEpcisQueryDocument(
        rows.map((row) => row.event),
        new Date(),
        subscription.queryName,
      );
      const body = JSON.stringify({
        ...document,
        epcisBody: { queryResults: { subscriptionID: subscription.id, ...document.epcisBody.queryResults } },
      });
      const first = rows[0] ?? last;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'gs1-epcis-version': '2.0.0',
        'gs1-cbv-version': '2.0.0',
        // Names the batch (its first and last events): the same key on a repeat after a crash.
        'idempotency-key': `${subscription.id}:${encodeCursor(query, { after: first })}:${encodeCursor(query, { after: last })}`,
        ...(subscription.signatureToken === null
          ? {}
          : { 'gs1-signature': signatureOf(subscription.signatureToken, body) }),
      };
      let failure: string | undefined;
      try {
        const status = await post(subscription.dest, body, headers);
        if (status < 200 || status > 299) failure = `the subscriber answered HTTP ${status}`;
      } catch (err: unknown) {
        failure = err instanceof Error ? err.message : String(err);
      }
      if (failure !== undefined) {
        const attempts = subscription.attempts + 1;
        const delayMs = Math.min(delayMax, delayMin * 2 ** Math.min(attempts - 1, 30));
        const deactivate = attempts >= maxAttempts;
        await subscriptions.failed(
          subscription.id,
          subscription.leaseToken,
          new Date(Date.now() + delayMs),
          failure,
          deactivate,
        );
        log?.warn(
          { subscription: subscription.id, attempts, delayMs, deactivated: deactivate, error: failure },
          'epcis webhook: delivery failed',
        );
        return;
      }
      bookmark = { blockNumber: last.blockNumber, txSeq: last.txSeq, eventSeq: last.eventSeq };
      // Lost lease (this turn outlived it and another process took over): stop; the new holder goes on from the
      // bookmark it reads.
      if (!(await subscriptions.delivered(subscription.id, subscription.leaseToken, bookmark))) return;
      if (rows.length < batchMax) break;
    }
    await subscriptions.release(subscription.id, subscription.leaseToken);
  }

  /** One round: every subscription due before the round started gets one turn (bounded by claimsPerRound per claim). */
  async function round(): Promise<void> {
    const dueBy = new Date();
    // Bounded: each claim takes subscriptions due by `dueBy`, and a turn moves them past it (release or failure).
    for (let claim = 0; claim < 1_000; claim++) {
      const claimed = await subscriptions.claimDue(dueBy, claimsPerRound, leaseMs);
      for (const subscription of claimed) {
        try {
          await turn(subscription);
        } catch (err: unknown) {
          log?.warn({ err, subscription: subscription.id }, 'epcis webhook: turn failed; the lease will lapse');
        }
      }
      if (claimed.length < claimsPerRound) return;
    }
  }

  async function run(): Promise<void> {
    while (!stopped) {
      woken = false;
      try {
        await round();
      } catch (err: unknown) {
        log?.warn({ err }, 'epcis webhook: round failed');
      }
      if (stopped || woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      unlisten = options.signal?.listen(() => {
        woken = true;
        wake?.();
      });
      loop = run();
    },
    async stop() {
      stopped = true;
      unlisten?.();
      wake?.();
      await loop;
      loop = undefined;
    },
    runOnce: round,
  };
}
