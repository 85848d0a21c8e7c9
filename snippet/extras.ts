// The lazily loaded second chunk: the on-site Test Panel (preview links) and the free-tier
// "Powered by Segmently" badge. Both live in shadow roots so the host page's CSS cannot
// reach them and theirs cannot leak out; the badge is re-attached if something removes it.
import type { Config } from "./types";

interface Ext {
  c: Config;
  b: string;
  n?: string;
  pv?: string[];
  s: Storage | null;
}

const W = window as unknown as Record<string, any>;
const D = document;

function shadow(id: string, css: string): [HTMLElement, ShadowRoot] {
  const host = D.createElement("segmently-ui");
  host.id = id;
  // The host itself is styled inline with !important so page CSS cannot hide or move it.
  host.style.cssText =
    "all:initial!important;position:fixed!important;z-index:2147483647!important;" +
    "right:16px!important;bottom:16px!important;display:block!important";
  const root = host.attachShadow({ mode: "open" });
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    const style = D.createElement("style");
    style.textContent = css;
    root.appendChild(style);
  }
  return [host, root];
}

const BASE_CSS =
  ":host{all:initial}*{box-sizing:border-box;font:13px/1.4 system-ui,sans-serif;color:#111}" +
  "a{color:#4338ca}button,select{font:inherit;border:1px solid #ccc;border-radius:6px;" +
  "padding:4px 8px;background:#fff;cursor:pointer}";

function badge(x: Ext): void {
  const [host, root] = shadow(
    "segmently-badge",
    BASE_CSS +
      "a{display:flex;gap:6px;align-items:center;padding:6px 10px;border-radius:999px;" +
      "background:#fff;box-shadow:0 1px 4px rgba(0,0,0,.25);text-decoration:none;color:#111}" +
      "b{display:inline-block;width:14px;height:14px;border-radius:4px;" +
      "background:linear-gradient(135deg,#667eea,#764ba2)}",
  );
  const link = D.createElement("a");
  link.href = "https://segmently.us/?ref=badge";
  link.target = "_blank";
  link.rel = "noopener";
  link.appendChild(D.createElement("b"));
  link.appendChild(D.createTextNode("Powered by Segmently"));
  root.appendChild(link);
  if (x.pv) host.style.setProperty("bottom", "200px", "important");
  const attach = () => {
    if (!host.isConnected) D.body.appendChild(host);
    host.style.setProperty("display", "block", "important");
  };
  attach();
  // Removed or hidden by the page: put it back.
  new MutationObserver(attach).observe(D.body, { childList: true });
  new MutationObserver(attach).observe(host, { attributes: true });
}

function panel(x: Ext): void {
  const pv = x.pv as string[];
  const exp = x.c.experiments.filter((e) => e.slug == pv[0])[0];
  if (!exp) return;
  const [host, root] = shadow(
    "segmently-panel",
    BASE_CSS +
      ".p{width:260px;background:#fff;border:1px solid #ddd;border-radius:10px;padding:10px 12px;" +
      "box-shadow:0 4px 16px rgba(0,0,0,.2)}.h{display:flex;justify-content:space-between;" +
      "align-items:center;font-weight:600}.row{display:flex;gap:6px;margin-top:8px}" +
      "select{width:100%;margin-top:8px}.min .body{display:none}",
  );
  const url = new URL(location.href);
  const box = D.createElement("div");
  box.className = "p";
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", "Segmently Test Panel");
  const head = D.createElement("div");
  head.className = "h";
  const title = D.createElement("span");
  title.textContent = "🧪 " + exp.name;
  const toggle = D.createElement("button");
  toggle.setAttribute("aria-label", "Minimize");
  head.append(title, toggle);
  const body = D.createElement("div");
  body.className = "body";
  const label = D.createElement("div");
  label.textContent = "Segment: ";
  const current = D.createElement("strong");
  current.setAttribute("data-testid", "segment");
  const select = D.createElement("select");
  select.setAttribute("aria-label", "Segment");
  exp.variants.forEach((v) => {
    const o = D.createElement("option");
    o.value = v.id;
    o.textContent = v.name;
    o.selected = v.id == pv[1];
    if (o.selected) current.textContent = v.name;
    select.appendChild(o);
  });
  label.appendChild(current);
  select.onchange = () => {
    url.searchParams.set("segmently_preview", exp.slug + ":" + select.value);
    location.href = url.href;
  };
  const row = D.createElement("div");
  row.className = "row";
  const original = D.createElement("button");
  original.textContent = "View Original";
  original.onclick = () => {
    if (x.s) x.s.removeItem("seg_pv");
    url.searchParams.delete("segmently_preview");
    location.href = url.href;
  };
  const dash = D.createElement("a");
  dash.textContent = "Dashboard";
  dash.href = `${x.b}/experiments/${exp.id}`;
  dash.target = "_blank";
  dash.rel = "noopener";
  row.append(original, dash);
  body.append(label, select, row);
  box.append(head, body);
  root.appendChild(box);
  const setMin = (min: boolean) => {
    box.classList.toggle("min", min);
    toggle.textContent = min ? "▲" : "▼";
    toggle.setAttribute("aria-expanded", String(!min));
    try {
      if (x.s) x.s.setItem("seg_panel_min", min ? "1" : "");
    } catch (e) {}
  };
  setMin(!!(x.s && x.s.getItem("seg_panel_min")));
  toggle.onclick = () => setMin(!box.classList.contains("min"));
  D.body.appendChild(host);
}

try {
  const x = W.Segmently && (W.Segmently._x as Ext | undefined);
  if (x) {
    if (x.pv) panel(x);
    if (x.c.badge) badge(x);
  }
} catch (e) {}
