/**
 * Browser code (bundled into the block frame, bundle.ts): stand-ins for the Polaris web components an admin
 * block renders (`s-admin-block`, `s-stack`, `s-text`, `s-badge`, `s-banner`, `s-button`, `s-spinner`). Shopify's
 * admin draws them with Polaris; here they are plain custom elements with a shadow root, keeping what a merchant
 * (and an accessibility tree) sees: the block's heading, badges, banners as status or alert, a real button that
 * is disabled while `loading`. An element the sandbox does not know is left undefined (it shows its text only).
 */

const BASE_CSS = ":host{font:14px/1.45 system-ui,sans-serif;color:#303030}";

const TONES: Record<string, string> = {
  success: "background:#cdfee1;color:#0c5132",
  critical: "background:#fedad9;color:#8e1f0b",
  warning: "background:#fff1e3;color:#5e4200",
  info: "background:#eaf4ff;color:#00527c",
  neutral: "background:#e3e3e3;color:#303030",
};

const toneCss = (selector: (tone: string) => string) =>
  Object.entries(TONES)
    .map(([tone, css]) => `${selector(tone)}{${css}}`)
    .join("");

const escapeText = (text: string) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** A component whose shadow root is drawn from its attributes, again whenever one it observes changes. */
abstract class StandIn extends HTMLElement {
  readonly #root = this.attachShadow({ mode: "open" });
  connectedCallback() {
    this.draw();
  }
  attributeChangedCallback() {
    if (this.isConnected) this.draw();
  }
  /** An attribute as React and Preact set it: `"false"` (React 18 on custom elements) counts as absent. */
  flag(name: string): boolean {
    const value = this.getAttribute(name);
    return value !== null && value !== "false";
  }
  attr(name: string): string {
    return escapeText(this.getAttribute(name) ?? "");
  }
  abstract template(): string;
  draw() {
    this.#root.innerHTML = `<style>${BASE_CSS}</style>${this.template()}`;
  }
}

class AdminBlock extends StandIn {
  static observedAttributes = ["heading", "collapsedsummary"];
  template() {
    return `<style>section{background:#fff;border-radius:12px;box-shadow:0 1px 2px #0003;padding:12px 16px}h2{font-size:14px;margin:0 0 10px}</style>
<section aria-labelledby="heading"><h2 id="heading">${this.attr("heading")}</h2><slot></slot></section>`;
  }
}

class Stack extends StandIn {
  template() {
    return `<style>:host{display:flex;flex-direction:column;gap:12px}:host([direction=inline]){flex-direction:row;flex-wrap:wrap}
:host([alignitems=center]){align-items:center}:host([gap^=small]){gap:6px}</style><slot></slot>`;
  }
}

class Text extends StandIn {
  template() {
    return `<style>:host{display:inline}:host([type=strong]){font-weight:600}:host([color=subdued]){color:#616161}:host([tone=critical]){color:#8e1f0b}</style><slot></slot>`;
  }
}

class Badge extends StandIn {
  template() {
    return `<style>:host{display:inline-block;border-radius:8px;padding:0 8px;font-size:13px;${TONES.neutral}}${toneCss((tone) => `:host([tone=${tone}])`)}</style><slot></slot>`;
  }
}

class Banner extends StandIn {
  static observedAttributes = ["tone", "heading"];
  template() {
    const role = this.getAttribute("tone") === "critical" ? "alert" : "status";
    const heading = this.getAttribute("heading");
    return `<style>div{border-radius:8px;padding:8px 12px;${TONES.info}}${toneCss((tone) => `:host([tone=${tone}]) div`)}strong{display:block}</style>
<div role="${role}">${heading ? `<strong>${escapeText(heading)}</strong>` : ""}<slot></slot></div>`;
  }
}

class Button extends StandIn {
  static observedAttributes = ["loading", "disabled"];
  constructor() {
    super();
    // A disabled or loading button takes no click: stopped before it reaches the extension's handler.
    this.addEventListener("click", (event) => {
      if (this.blocked()) event.stopImmediatePropagation();
    }, { capture: true });
  }
  blocked() {
    return this.flag("loading") || this.flag("disabled");
  }
  template() {
    const loading = this.flag("loading");
    return `<style>button{font:inherit;padding:4px 12px;border-radius:8px;border:1px solid #8a8a8a;background:#fff;cursor:pointer}button:disabled{opacity:.6;cursor:default}</style>
<button type="button"${this.blocked() ? " disabled" : ""}${loading ? ' aria-busy="true"' : ""}><slot></slot>${loading ? " …" : ""}</button>`;
  }
}

class Spinner extends StandIn {
  static observedAttributes = ["accessibilitylabel"];
  template() {
    return `<span role="progressbar" aria-label="${this.attr("accessibilitylabel") || "Loading"}">Loading…</span>`;
  }
}

export function defineAdminComponents(): void {
  const components: [string, CustomElementConstructor][] = [
    ["s-admin-block", AdminBlock],
    ["s-stack", Stack],
    ["s-text", Text],
    ["s-badge", Badge],
    ["s-banner", Banner],
    ["s-button", Button],
    ["s-spinner", Spinner],
  ];
  for (const [name, component] of components) if (!customElements.get(name)) customElements.define(name, component);
}
