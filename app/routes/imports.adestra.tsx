import type { LoaderFunctionArgs } from "@remix-run/node";
import { serveAdestraImportFile } from "../destinations/adestra/import-file.server";

/**
 * GET /imports/adestra?token=… — the CSV file of one part of a send's bulk import, which Adestra fetches after
 * contact.import (app/destinations/adestra/import-file.server.ts: the signed token, the file). Not a Shopify
 * page: the token is the only authority, and it reads that one part of that one shop's run.
 */
export const loader = ({ request }: LoaderFunctionArgs) => serveAdestraImportFile(request);
