import { redirect } from "@remix-run/node";

/** Browsers ask for /favicon.ico whatever the page links to: send them to the app's icon, not to a 404 with a stack trace. */
export const loader = () => redirect("/favicon.svg", { status: 301, headers: { "Cache-Control": "public, max-age=86400" } });
