/*
 * Shopify sandbox: a stand-in for https://cdn.shopify.com/shopifycloud/app-bridge.js, served by the sandbox
 * at /app-bridge.js. Load it synchronously, before the app's own scripts, as the real one:
 *   <script src="{sandbox}/app-bridge.js" data-api-key="{apiKey}"></script>
 *
 * It provides what an embedded app uses of the `shopify` global and the admin around it:
 *  - shopify.idToken(): a fresh session token from the sandbox (GET {sandbox}/session-token?shop=…);
 *  - fetch: same-origin requests get `Authorization: Bearer <idToken>`; a 401 carrying
 *    X-Shopify-Retry-Invalid-Session-Request is retried once with a new token; a reauthorize header
 *    sends the top window there (both as real App Bridge does);
 *  - shopify.toast.show(message, {isError, duration}), shopify.config, shopify.loading();
 *  - <ui-nav-menu>: its links become a navigation bar at the top of the page (the admin shows them in its
 *    sidebar); the first <a rel="home"> is the app's home and is not shown. The bar ends with the admin's own
 *    "Customers (Shopify admin)" link, to the sandbox's customer pages (where editing a customer sends the app
 *    webhooks); it lives in the element's shadow root, so the app's (React's) children are never touched;
 *  - <ui-title-bar>, <ui-save-bar>, <ui-modal>: minimal, visible versions with show()/hide();
 *  - links to admin pages by App Bridge's `shopify://admin/…` protocol open the sandbox's page for them;
 *  - the session-token bounce page (/auth/session-token?shopify-reload=…): fetches a token and goes on.
 * The shop comes from the page's `shop` parameter and is remembered in sessionStorage for later pages.
 */
(function () {
  "use strict";
  if (window.shopify && window.shopify.sandbox) return;

  var script = document.currentScript;
  var sandboxOrigin = new URL(script.src, location.href).origin;
  var apiKeyMeta = document.querySelector('meta[name="shopify-api-key"]');
  var apiKey = script.getAttribute("data-api-key") || (apiKeyMeta && apiKeyMeta.getAttribute("content")) || "";
  var params = new URLSearchParams(location.search);

  function remembered(name) {
    var value = params.get(name);
    if (value) sessionStorage.setItem("shopify-sandbox:" + name, value);
    return value || sessionStorage.getItem("shopify-sandbox:" + name) || "";
  }
  var shop = remembered("shop");
  var host = remembered("host");
  var locale = remembered("locale") || "en";

  var originalFetch = window.fetch.bind(window);
  var cachedToken = null;

  function tokenExpiry(token) {
    try {
      var payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return payload.exp * 1000;
    } catch (error) {
      return 0;
    }
  }

  function idToken() {
    if (cachedToken && tokenExpiry(cachedToken) - Date.now() > 10000) return Promise.resolve(cachedToken);
    if (!shop) return Promise.reject(new Error("Shopify sandbox: no shop (open the app from the sandbox's admin page)"));
    return originalFetch(sandboxOrigin + "/session-token?shop=" + encodeURIComponent(shop), { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("Shopify sandbox: session token request failed (" + response.status + ")");
        return response.json();
      })
      .then(function (body) {
        cachedToken = body.token;
        return cachedToken;
      });
  }

  function isSameOrigin(url) {
    return new URL(url, location.href).origin === location.origin;
  }

  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!isSameOrigin(url)) return originalFetch(input, init);
    function send(retried) {
      return idToken().then(function (token) {
        var request = new Request(input, init);
        if (!request.headers.has("Authorization")) request.headers.set("Authorization", "Bearer " + token);
        return originalFetch(request).then(function (response) {
          var reauthorize = response.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
          if (reauthorize) window.open(reauthorize, "_top");
          if (response.status === 401 && !retried && response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") {
            cachedToken = null;
            return send(true);
          }
          return response;
        });
      });
    }
    return send(false);
  };

  function toastContainer() {
    var container = document.getElementById("shopify-sandbox-toasts");
    if (!container) {
      container = document.createElement("div");
      container.id = "shopify-sandbox-toasts";
      document.body.appendChild(container);
    }
    return container;
  }

  var toastId = 0;
  var toast = {
    show: function (message, options) {
      options = options || {};
      var id = "shopify-sandbox-toast-" + ++toastId;
      var element = document.createElement("div");
      element.id = id;
      element.setAttribute("role", "status");
      element.className = "shopify-sandbox-toast" + (options.isError ? " shopify-sandbox-toast--error" : "");
      if (options.isError) element.setAttribute("data-error", "true");
      element.textContent = message;
      toastContainer().appendChild(element);
      setTimeout(function () {
        toast.hide(id);
      }, options.duration || 5000);
      return id;
    },
    hide: function (id) {
      var element = document.getElementById(id);
      if (element) element.remove();
    },
  };

  /** Keeps the admin's parameters on in-app navigation, so a reload still finds its shop. */
  function navigate(href) {
    var url = new URL(href, location.href);
    var embedded = { embedded: "1", shop: shop, host: host, locale: locale };
    Object.keys(embedded).forEach(function (key) {
      if (embedded[key] && !url.searchParams.has(key)) url.searchParams.set(key, embedded[key]);
    });
    if (window.__remixRouter) window.__remixRouter.navigate(url.pathname + url.search + url.hash);
    else location.assign(url.href);
  }

  window.shopify = {
    sandbox: true,
    config: { apiKey: apiKey, shop: shop, host: host, locale: locale },
    environment: { embedded: true, mobile: false, pos: false },
    idToken: idToken,
    toast: toast,
    loading: function () {},
  };

  var css = [
    "ui-nav-menu{position:fixed;top:0;left:0;right:0;z-index:1000;display:flex;gap:20px;align-items:center;padding:10px 16px;background:#1a1a1a;font:14px/1.4 -apple-system,BlinkMacSystemFont,'Segoe UI',sans-serif}",
    "ui-nav-menu a{color:#e3e3e3;text-decoration:none}ui-nav-menu a[aria-current=page]{color:#fff;font-weight:600}",
    "ui-nav-menu a[rel=home]{display:none}",
    "body.shopify-sandbox-nav{padding-top:42px}",
    "ui-title-bar{display:flex;gap:8px;align-items:center;padding:8px 16px;border-bottom:1px solid #e3e3e3;background:#f7f7f7}",
    "ui-title-bar::before{content:attr(title);font-weight:600;margin-right:auto}",
    "ui-save-bar,ui-modal{display:none}ui-save-bar[data-showing],ui-modal[data-showing]{display:block}",
    "ui-save-bar[data-showing]{position:fixed;top:0;left:0;right:0;z-index:1001;padding:8px 16px;background:#303030;color:#fff}",
    "ui-modal[data-showing]{position:fixed;inset:10% 20%;z-index:1002;overflow:auto;padding:16px;background:#fff;border:1px solid #ccc;box-shadow:0 8px 32px rgba(0,0,0,.3)}",
    "#shopify-sandbox-toasts{position:fixed;bottom:24px;left:50%;transform:translateX(-50%);z-index:1003;display:flex;flex-direction:column;gap:8px}",
    ".shopify-sandbox-toast{padding:10px 16px;border-radius:8px;background:#1a1a1a;color:#fff;font:14px -apple-system,BlinkMacSystemFont,'Segoe UI',sans-serif}",
    ".shopify-sandbox-toast--error{background:#8e1f0b}",
  ].join("\n");
  // A constructed style sheet, not a <style> in <head>: the app hydrates the whole document (Remix), and an
  // element it did not render would make React's hydration fail and re-render the document without it.
  if (typeof CSSStyleSheet === "function" && "adoptedStyleSheets" in document && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
  } else {
    var style = document.createElement("style");
    style.textContent = css;
    document.head.appendChild(style);
  }

  function define(name, constructor) {
    if (!customElements.get(name)) customElements.define(name, constructor);
  }

  define(
    "ui-nav-menu",
    class extends HTMLElement {
      constructor() {
        super();
        var self = this;
        if (shop && this.attachShadow && !this.shadowRoot) {
          // The admin's own link, after the app's: a <slot> shows the app's links unchanged (light DOM).
          var root = this.attachShadow({ mode: "open" });
          var linkStyle = document.createElement("style");
          linkStyle.textContent = "a{color:#e3e3e3;text-decoration:none;margin-left:auto}a:hover,a:focus{text-decoration:underline}";
          var customers = document.createElement("a");
          customers.href = sandboxOrigin + "/admin/" + encodeURIComponent(shop) + "/customers";
          customers.textContent = "Customers (Shopify admin)";
          root.append(linkStyle, document.createElement("slot"), customers);
        }
        this.onPopState = function () {
          self.markCurrent();
        };
        this.addEventListener("click", function (event) {
          var link = event.target.closest && event.target.closest("a[href]");
          if (!link || event.defaultPrevented || event.metaKey || event.ctrlKey) return;
          event.preventDefault();
          navigate(link.getAttribute("href"));
          self.markCurrent(link);
        });
      }
      connectedCallback() {
        document.body.classList.add("shopify-sandbox-nav");
        window.addEventListener("popstate", this.onPopState);
        this.markCurrent();
      }
      disconnectedCallback() {
        document.body.classList.remove("shopify-sandbox-nav");
        window.removeEventListener("popstate", this.onPopState);
      }
      /** The clicked link, or the one matching the address (client-side navigation finishes later). */
      markCurrent(clicked) {
        Array.prototype.forEach.call(this.querySelectorAll("a[href]"), function (link) {
          var current = clicked ? link === clicked : new URL(link.getAttribute("href"), location.href).pathname === location.pathname;
          if (current) link.setAttribute("aria-current", "page");
          else link.removeAttribute("aria-current");
        });
      }
    },
  );

  define("ui-title-bar", class extends HTMLElement {});

  class Overlay extends HTMLElement {
    show() {
      this.setAttribute("data-showing", "");
      this.dispatchEvent(new Event("show"));
      return Promise.resolve();
    }
    hide() {
      this.removeAttribute("data-showing");
      this.dispatchEvent(new Event("hide"));
      return Promise.resolve();
    }
    toggle() {
      return this.showing ? this.hide() : this.show();
    }
    get showing() {
      return this.hasAttribute("data-showing");
    }
  }
  define("ui-save-bar", class extends Overlay {});
  define("ui-modal", class extends Overlay {});

  // Links to the admin's own pages (`shopify://admin/customers/123`, App Bridge's protocol) open the sandbox's
  // page for them, in the top window, as the admin would (only customer pages exist there; others 404).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="shopify://admin/"]');
    if (!link || event.defaultPrevented || !shop) return;
    event.preventDefault();
    var path = new URL(link.getAttribute("href")).pathname;
    window.open(sandboxOrigin + "/admin/" + encodeURIComponent(shop) + path, "_top");
  });

  // The library's bounce page: get a token for the shop and go back where the app wanted to be.
  var reload = params.get("shopify-reload");
  if (/\/session-token$/.test(location.pathname) && reload) {
    idToken().then(function (token) {
      var target = new URL(reload, location.href);
      target.searchParams.set("id_token", token);
      location.replace(target.href);
    });
  }
})();
