import type { DeliveryNote } from './trigger-dispatcher.js';

/** A delivery as one line for people (serve's and dispatch's logs). */
export function deliveryText(note: DeliveryNote): string {
  const what = `${note.trigger}: event ${note.eventId} (${note.eventType}) -> ${note.target}`;
  return note.status === 'started'
    ? `${what}: ${note.runId} (${note.latencyMs} ms after the event)`
    : `${what}: ${note.status}: ${note.error}`;
}
