import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The app's Adestra import-file route (GET /imports/adestra?token=…, app/routes/imports.adestra.tsx) over real
 * HTTP from this process, as the web process serves it, for tests and benches that run the worker in-process:
 * Adestra's sandbox fetches the files from `url` (set it as SHOPIFY_APP_URL before the app's env is read).
 */
export async function serveAdestraImportFiles(): Promise<{ server: Server; url: string }> {
  let url = "";
  const server = createServer((req, res) => {
    void (async () => {
      const { loader } = await import("../../app/routes/imports.adestra");
      const response = await loader({ request: new Request(new URL(req.url!, url)), params: {}, context: {} } as Parameters<typeof loader>[0]);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) for await (const chunk of response.body) res.write(chunk);
      res.end();
    })().catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url };
}
