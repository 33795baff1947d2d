// The Shopify sandbox's admin, on its customer page: the host side of the app blocks' sandboxed frames
// (admin-blocks/runtime.ts is the frame side; the message types are the ones it sends and expects).
//  - A frame asks for a session token: the page gets a fresh one from the sandbox's /session-token (HS256 with the
//    app's secret, for the frame's shop) and answers that frame only. The frame has an opaque origin ("null"), so
//    the answer goes to its window with "*"; only messages from the page's own block frames are answered.
//  - A frame reports its height: the frame is resized to fit its block.
(() => {
  const MAX_HEIGHT = 4000;
  const frameOf = (source) => [...document.querySelectorAll("iframe[data-admin-block]")].find((frame) => frame.contentWindow === source);
  window.addEventListener("message", async (event) => {
    const frame = frameOf(event.source);
    if (!frame || event.origin !== "null") return;
    const data = event.data || {};
    if (data.type === "shopify-sandbox:block-size" && typeof data.height === "number") {
      frame.style.height = `${Math.min(Math.max(Math.ceil(data.height), 40), MAX_HEIGHT)}px`;
      return;
    }
    if (data.type !== "shopify-sandbox:session-token" || typeof data.id !== "number") return;
    let reply;
    try {
      const response = await fetch(`/session-token?shop=${encodeURIComponent(frame.dataset.shop)}`, { cache: "no-store" });
      const body = await response.json();
      reply = response.ok && typeof body.token === "string" ? { token: body.token } : { error: body.error || `HTTP ${response.status}` };
    } catch (error) {
      reply = { error: `The admin could not get a session token: ${error}` };
    }
    event.source.postMessage({ type: "shopify-sandbox:session-token-reply", id: data.id, ...reply }, "*");
  });
})();
