import { z } from "zod";

/**
 * An instant as RFC 3339 text with its offset (`2026-12-04T15:39:20.574Z`): the one form of every
 * timestamp the API answers, so `format: date-time` in the contract holds for each of them. The
 * control plane writes instants as `Date#toISOString()` text and the stores give back what was
 * written (storage/postgres-store.ts turns any timestamp PostgreSQL computes into the same form).
 */
export const Timestamp = z.iso.datetime({ offset: true });
export type Timestamp = z.infer<typeof Timestamp>;
