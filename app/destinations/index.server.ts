/**
 * Every destination the app syncs to (docs/decisions/019-destination-contract.md): the worker's jobs, webhook
 * fan-out, redaction and the schedules at boot go through this list. A new destination is a folder beside
 * these and one line here.
 */
import { adestra } from "./adestra/index.server";
import { apsis } from "./apsis/index.server";
import type { Destination } from "./destination";

export const DESTINATIONS: readonly Destination[] = [adestra, apsis];

/** Where a run wrote, in the destination's words (the Activity table's Target column). */
export const runTargetOf = (run: { destination: string; settings: string }) =>
  DESTINATIONS.find((d) => d.name === run.destination)?.runTarget?.(run.settings) ?? null;
