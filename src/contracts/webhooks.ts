/**
 * Webhooks to STAR-LAB (docs/WEBHOOKS.md): the delivery workflow's contract, shared by the
 * workflow (workflows/webhookDelivery.ts) and the activity that starts it. Kept free of zod
 * and Node so the workflow sandbox imports it.
 */

/** Event types: an instruction's status changes, and its position's expiry and assignment. */
export const WEBHOOK_EVENT_TYPES = ['RECEIVED', 'SUBMITTED', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED', 'POSITION_EXPIRED', 'POSITION_ASSIGNED'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const SIGNATURE_HEADER = 'X-AllUse-Signature';
export const EVENT_ID_HEADER = 'X-AllUse-Event-Id';
/** Receivers reject a signature whose timestamp is further than this from their clock. */
export const REPLAY_WINDOW_SECONDS = 300;

export const WEBHOOK_DELIVERY_WORKFLOW = 'webhookDelivery';
/** Signal: "new events may be pending" (sent with signalWithStart after each recorded event). */
export const WEBHOOK_WAKE_SIGNAL = 'wake';

export interface WebhookDeliveryInput {
  endpointId: string;
  instructionId: string;
  /** Attempts per delivery before it is dead-lettered. */
  maxAttempts: number;
  /** First retry after this many ms; doubles each attempt up to maxIntervalMs. */
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** One POST's bound. */
  timeoutMs: number;
}

/** One long-lived delivery workflow per (endpoint, instruction): it drains that instruction's events in order. */
export const webhookDeliveryWorkflowId = (endpointId: string, instructionId: string): string => `webhook:${endpointId}:${instructionId}`;

/** The delivery workflow's registered signature: dispatch starts it by name with this input. */
export type WebhookDeliveryWorkflow = (input: WebhookDeliveryInput) => Promise<{ delivered: number; dead: number }>;

export interface PendingDelivery {
  id: string;
  seq: number;
}
