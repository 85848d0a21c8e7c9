// segmently.js: assign locally, apply the variant before the page is shown, track events.
// Every entry point is wrapped in try/catch: the snippet never throws into the host page.
import { assign } from "./hash";
import { deviceOf, targeted } from "./targeting";
import type { Attrs, Change, Config, Experiment, Goal, Variant } from "./types";

type Json = Record<string, unknown>;
interface Active {
  e: Experiment;
  v: Variant;
  u: (() => void)[]; // undo of every applied change (SPA navigation away reverts them)
  m: Element[][]; // per change: the elements it was applied to
}
interface Ext {
  c: Config;
  b: string;
  n?: string;
  pv?: string[];
  s: Storage | null;
}

const W = window as unknown as Record<string, any>;
const D = document;
const L = location;
const H = history;
const P = W.performance;
const VID = "seg_visitor_id";
const QK = "seg_q";
const AK = "seg_assign";
const ATK = "seg_attrs";
const OK = "seg_optout";
const PVK = "seg_pv";
const VID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const BOT =
  /(bot|crawler|spider|slurp)\b|crawling|facebookexternalhit|mediapartners-google|lighthouse|pingdom|pagespeed|bingpreview/i;

const mark = (n: string) => {
  try {
    P.mark("segmently:" + n);
  } catch (e) {}
};
mark("start");

const safe =
  <A extends unknown[], R>(f: (...a: A) => R) =>
  (...a: A): R | undefined => {
    try {
      return f(...a);
    } catch (e) {}
  };

// ---- storage: localStorage, or memory when it is unavailable -------------------------------
const mem: Record<string, string> = {};
// A read only: a probe write would cost a synchronous round trip to the browser process before
// the reveal; writes that fail later fall back to memory anyway.
const store = (k: string): Storage | null => {
  try {
    const s = W[k] as Storage;
    s.getItem(VID);
    return s;
  } catch (e) {
    return null;
  }
};
const LS = store("localStorage");
const SS = store("sessionStorage");
const get = (k: string, s = LS): string | null => {
  try {
    if (s) return s.getItem(k);
  } catch (e) {}
  return k in mem ? mem[k] : null;
};
let off = get(OK) == "1";
const put = (k: string, v: string | null, s = LS) => {
  if (off && v != null) return;
  try {
    if (s) return v == null ? s.removeItem(k) : s.setItem(k, v);
  } catch (e) {}
  if (v == null) delete mem[k];
  else mem[k] = v;
};
const jget = <T>(k: string, d: T, s?: Storage | null): T => {
  try {
    return JSON.parse(get(k, s) as string) || d;
  } catch (e) {
    return d;
  }
};
const jput = (k: string, v: unknown, s?: Storage | null) => put(k, JSON.stringify(v), s);

const rid = (): string => {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => "0123456789abcdefghijklmnopqrstuvwxyz-_ABCDEFGHIJKLMNOPQRSTUVWXYZ"[x & 63]).join("");
};

// ---- boot inputs: the server inlines {c: config, k: key, b: base, g: country} before this file --
const boot = (W.__sgc || {}) as { c?: Config; k?: string; b?: string; g?: string };
delete W.__sgc;
const me = D.currentScript as HTMLScriptElement | null;
const key = boot.k || (me && me.getAttribute("data-api-key")) || "";
const base = boot.b || (me ? me.src.replace(/\/[^/]*$/, "") : "");
const nonce = (me && me.nonce) || undefined;
const bot = BOT.test(navigator.userAgent);
const pending = W.Segmently;

let cfg: Config | undefined;
let vid = "";
let sid = "";
let attrs: Attrs = jget(ATK, {});
let active: Active[] = [];
let url = "";
let started = Date.now();
let interacted = false;
let exited = false;
let ready = false;
let observing = 0;
let preview: string[] | undefined;
const queued: (() => void)[] = [];
const fired: Record<string, 1> = {};

// ---- anti-flicker: opacity on <html> through the CSSOM (allowed under a strict CSP) ----------
const hs = D.documentElement.style;
let hidden = 0;
let prev: string[] = [];
const hide = () => {
  if (!hidden) {
    hidden = 1;
    prev = [hs.getPropertyValue("opacity"), hs.getPropertyPriority("opacity")];
    hs.setProperty("opacity", "0", "important");
  }
};
const reveal = safe(() => {
  if (hidden) {
    hidden = 0;
    prev[0] ? hs.setProperty("opacity", prev[0], prev[1]) : hs.removeProperty("opacity");
    mark("reveal");
  }
});

// ---- identity ------------------------------------------------------------------------------
const cookie = (v?: string): string => {
  if (v == null) {
    const m = D.cookie.match(/(?:^|; )seg_visitor_id=([^;]+)/);
    return m ? m[1] : "";
  }
  // The widest domain that accepts the cookie: shared by every subdomain of the site.
  const parts = L.hostname.split(".");
  for (let i = parts.length - 2; i >= 0; i--) {
    D.cookie = `${VID}=${v}; path=/; max-age=31536000; SameSite=Lax; domain=${parts.slice(i).join(".")}`;
    if (cookie() == v) return v;
  }
  D.cookie = `${VID}=${v}; path=/; max-age=31536000; SameSite=Lax`;
  return v;
};
const setVid = (v: string) => {
  vid = v;
  if (get(VID) != v) put(VID, v); // no write on the reveal path when nothing changed
  if (cfg && cfg.cookie && !off && cookie() != v) cookie(v);
};
const identify = () => {
  let v = (cfg && cfg.cookie && cookie()) || get(VID) || "";
  const m = L.search.match(/[?&]_sgmt_vid=([^&#]*)/);
  if (m) {
    // Cross-domain arrival: adopt the id, then strip it from the address bar.
    if (VID_RE.test(m[1])) v = m[1];
    const u = new URL(L.href);
    u.searchParams.delete("_sgmt_vid");
    replace.call(H, H.state, "", u.href);
  }
  setVid(VID_RE.test(v) ? v : rid());
  sid = get("seg_sid", SS) || "";
  if (!sid) put("seg_sid", (sid = rid()), SS);
};

const device = () => deviceOf(W.innerWidth || D.documentElement.clientWidth);

// ---- events: queued in localStorage, batched, retried; event_id makes retries idempotent ------
let timer: any = 0;
let busy = 0;
let tries = 0;
const endpoint = () => `${base}/api/v1/events/batch?api_key=${encodeURIComponent(key)}`;
const body = (events: Json[]) => JSON.stringify({ api_key: key, events });
const later = (ms: number) => {
  if (!timer) timer = setTimeout(flush, ms);
};
/** The oldest events that fit one keepalive request (browsers allow 64 KB in flight). */
const take = () => {
  let size = 0;
  return jget<Json[]>(QK, []).filter((x, i) => (size += JSON.stringify(x).length) < 20000 && i < 20);
};
const flush = safe(() => {
  timer = 0;
  const batch = take();
  if (busy || !batch.length || off) return;
  busy = 1;
  const done = () => {
    const ids = batch.map((x) => x.event_id);
    jput(QK, jget<Json[]>(QK, []).filter((x) => ids.indexOf(x.event_id) < 0));
    busy = tries = 0;
    later(0);
  };
  fetch(endpoint(), {
    method: "POST",
    body: body(batch),
    keepalive: true,
    credentials: "omit",
    headers: { "Content-Type": "text/plain" },
  })
    .then((r) => {
      // 2xx: stored. Other 4xx (bad key, invalid events) would fail forever: drop them.
      if (r.ok || (r.status < 500 && r.status != 408 && r.status != 429)) done();
      else throw 0;
    })
    .catch(() => {
      busy = 0;
      later(Math.min(30000, 1000 * 2 ** tries++) * (1 + Math.random() / 2));
    });
});
/** Page is going away: hand everything to sendBeacon; the queue keeps it until a 2xx is seen. */
const beacon = safe(() => {
  const q = take();
  if (q.length && !off) navigator.sendBeacon(endpoint(), body(q));
});

const send = (name: string, data: Json, a?: { e: Experiment; v: Variant }) => {
  if (off || bot || !cfg) return;
  const x: Json = {
    event_id: rid(),
    event_name: name,
    visitor_id: vid,
    session_id: sid,
    timestamp: Date.now(),
    event_data: data,
    device_type: device(),
  };
  if (a) {
    x.experiment_id = a.e.id;
    x.variant_id = a.v.id;
  }
  // Ingestion refuses an event over 32 KB; one that large would also block the queue.
  if (JSON.stringify(x).length > 10000) return;
  const q = jget<Json[]>(QK, []);
  q.push(x);
  jput(QK, q.slice(-500));
  later(tries ? 1000 * 2 ** tries : 300);
};

// ---- assignment ------------------------------------------------------------------------------
const live = () => (cfg ? cfg.experiments : []).filter((e) => e.status == "live" || isPreview(e));
const isPreview = (e: Experiment) => preview && preview[0] == e.slug;
const stored = (): Record<string, string> => jget(AK, {});
const control = (e: Experiment) => e.variants.filter((v) => v.key == "control")[0] || e.variants[0];

/** The visitor's variant of ``e`` if already assigned (stored), else undefined. */
const assigned = (e: Experiment): Variant | undefined => {
  if (isPreview(e)) return e.variants.filter((v) => v.id == (preview as string[])[1])[0];
  if (bot) return control(e);
  const id = stored()[e.id];
  return e.variants.filter((v) => v.id == id)[0];
};
const bucketed = () =>
  live()
    .map((e) => ({ e, v: assigned(e) as Variant }))
    .filter((a) => a.v);

/** Targeting, then the stored assignment (sticky) or the hash. */
const decide = (e: Experiment): Variant | undefined => {
  if (off) return;
  const country = boot.g || (attrs.country as string | undefined);
  if (!isPreview(e) && !targeted(e.targeting, L.href, device(), country, attrs)) return;
  let v = assigned(e);
  if (!v) {
    const i = assign(e.seed, e.traffic, e.variants.map((x) => x.weight), vid);
    v = e.variants[i];
    if (v) {
      const s = stored();
      s[e.id] = v.id;
      jput(AK, s);
    }
  }
  return v;
};

// ---- applying changes --------------------------------------------------------------------------
const depth = (el: Element | null) => {
  let d = 0;
  while ((el = el && el.parentElement)) d++;
  return d;
};
const all = (sel: string): Element[] => {
  try {
    return Array.from(D.querySelectorAll(sel));
  } catch (e) {
    return [];
  }
};
const el = (tag: string, text: string) => {
  const x = D.createElement(tag);
  if (nonce) x.setAttribute("nonce", nonce);
  x.textContent = text;
  return x;
};
const keepChildren = (x: Element) => {
  const kids = Array.from(x.childNodes);
  return () => x.replaceChildren(...kids);
};
const inline = (x: HTMLElement, decls: string) => {
  const undo: (() => void)[] = [];
  decls.split(";").forEach((d) => {
    const i = d.indexOf(":");
    if (i < 1) return;
    const p = d.slice(0, i).trim();
    const imp = /!\s*important\s*$/i.test(d);
    const old = [x.style.getPropertyValue(p), x.style.getPropertyPriority(p)];
    x.style.setProperty(p, d.slice(i + 1).replace(/!\s*important\s*$/i, "").trim(), imp ? "important" : "");
    undo.push(() => (old[0] ? x.style.setProperty(p, old[0], old[1]) : x.style.removeProperty(p)));
  });
  return () => undo.forEach((f) => f());
};

function change(c: Change, x: HTMLElement): (() => void) | undefined {
  const v = c.value || "";
  switch (c.type) {
    case "hide":
      return inline(x, "display:none!important");
    case "remove": {
      const parent = x.parentNode;
      const next = x.nextSibling;
      x.remove();
      return () => parent && parent.insertBefore(x, next && next.parentNode == parent ? next : null);
    }
    case "text": {
      const undo = keepChildren(x);
      x.textContent = v;
      return undo;
    }
    case "html": {
      if (!v.trim()) return; // an element selected but never edited must not wipe its children
      const undo = keepChildren(x);
      x.innerHTML = v;
      return undo;
    }
    case "attribute": {
      const a = c.attribute as string;
      const old = x.getAttribute(a);
      x.setAttribute(a, v);
      return () => (old == null ? x.removeAttribute(a) : x.setAttribute(a, old));
    }
    case "css":
      return inline(x, v);
  }
}

/** One pass: every not-yet-changed element, parents before children. True if anything changed. */
const pass = (): boolean => {
  const todo: [number, Active, number, Element][] = [];
  active.forEach((a) =>
    a.v.changes.forEach((c, i) => {
      if (c.selector && c.type != "js")
        all(c.selector).forEach((x) => a.m[i].indexOf(x) < 0 && todo.push([depth(x), a, i, x]));
    }),
  );
  todo.sort((p, q) => p[0] - q[0]);
  todo.forEach(([, a, i, x]) => {
    if (!x.isConnected || a.m[i].indexOf(x) >= 0) return;
    a.m[i].push(x);
    try {
      const u = change(a.v.changes[i], x as HTMLElement);
      if (u) a.u.push(u);
    } catch (e) {}
  });
  return todo.length > 0;
};
const applyAll = () => {
  for (let i = 0; i < 3 && pass(); i++);
  decorate();
};

// Elements rendered later (frameworks, streaming HTML) are caught until the failsafe deadline.
const mo = new MutationObserver(safe(applyAll));
const observe = () => {
  if (!observing) mo.observe(D.documentElement, { childList: true, subtree: true });
  clearTimeout(observing);
  observing = setTimeout(() => {
    mo.disconnect();
    observing = 0;
  }, 5000);
};

/** Start an experiment on this page: integrations, changes, page-wide CSS; JS once the DOM is ready. */
const activate = (e: Experiment, v: Variant) => {
  const a: Active = { e, v, u: [], m: v.changes.map(() => []) };
  active.push(a);
  if (!bot && !off) {
    if (e.ga4 && typeof W.gtag == "function")
      W.gtag("event", "experiment_impression", {
        experiment_id: e.slug,
        experiment_name: e.name,
        variant_id: v.id,
        variant_name: v.name,
      });
    if (e.mixpanel && W.mixpanel && typeof W.mixpanel.track == "function")
      W.mixpanel.track("$experiment_started", {
        "Experiment name": e.name,
        "Experiment ID": e.slug,
        "Variant name": v.name,
        "Variant ID": v.id,
      });
  }
  applyAll();
  v.changes.forEach((c) => {
    if (c.type == "css" && !c.selector && c.value) {
      const s = el("style", c.value);
      (D.head || D.documentElement).appendChild(s);
      a.u.push(() => s.remove());
    }
  });
  domReady(() =>
    v.changes.forEach((c) => {
      if (c.type == "js" && c.value && active.indexOf(a) >= 0) runJs(c.value);
    }),
  );
};
const runJs = (code: string) => {
  try {
    Function(code)();
  } catch (e) {
    // Under a CSP without 'unsafe-eval', a <script> carrying the snippet's nonce still runs.
    if (e instanceof EvalError) D.head.appendChild(el("script", `try{${code}\n}catch(e){}`)).remove();
  }
};
const domReady = (f: () => void) =>
  D.readyState == "loading" ? D.addEventListener("DOMContentLoaded", safe(f)) : safe(f)();

/** Evaluate the page: start what now matches, revert what no longer does. A new page (load,
 * SPA navigation) sends the page views; otherwise only newly started experiments do. */
const evaluate = (newPage?: boolean) => {
  url = L.href;
  const fresh: Experiment[] = [];
  live().forEach(
    // One experiment's failure (a bad selector, a browser without an API) leaves the others alone.
    safe((e: Experiment) => {
    const v = decide(e);
    const i = active.findIndex((a) => a.e == e);
    if (v && i < 0) activate(e, v), fresh.push(e);
    if (!v && i >= 0) {
      active[i].u.reverse().forEach((f) => safe(f)());
      active.splice(i, 1);
    }
    }),
  );
  observe();
  // Every experiment the visitor is in gets the page view (funnel URL steps, page-view goals).
  bucketed().forEach((a) => {
    if (!newPage && fresh.indexOf(a.e) < 0) return;
    send("page_view", { url, referrer: D.referrer }, a);
    (a.e.goals || []).forEach((g) => {
      if (g.kind == "page_view" && g.url && url.indexOf(g.url) >= 0) convert(a, g);
    });
  });
};

const convert = (a: { e: Experiment; v: Variant }, g?: Goal, data?: Json) => {
  const k = a.e.id + (g ? g.id : "") + url;
  if (g && fired[k]) return;
  fired[k] = 1;
  send("conversion", g ? { goal_id: g.id, goal_name: g.name, ...data } : { ...data }, a);
};
const goals = (kind: string, t: EventTarget | null) => {
  if (!(t instanceof Element)) return;
  bucketed().forEach((a) =>
    (a.e.goals || []).forEach((g) => {
      try {
        if (g.kind == kind && g.selector && t.closest(g.selector)) convert(a, g);
      } catch (e) {}
    }),
  );
};

// ---- cross-domain links --------------------------------------------------------------------
const decorate = (root?: Element) => {
  const domains: string[] = [];
  live().forEach((e) => (e.domains || []).forEach((d) => domains.push(d)));
  if (!domains.length || off) return;
  (root ? [root] : all("a[href]")).forEach((a) => {
    const h = (a as HTMLAnchorElement).hostname;
    if (h && h != L.hostname && domains.some((d) => h == d || h.slice(-d.length - 1) == "." + d)) {
      const u = new URL((a as HTMLAnchorElement).href);
      u.searchParams.set("_sgmt_vid", vid);
      (a as HTMLAnchorElement).href = u.href;
    }
  });
};

// ---- the public API ----------------------------------------------------------------------------
const whenReady =
  <A extends unknown[]>(f: (...a: A) => void) =>
  (...a: A) => {
    ready ? safe(f)(...a) : queued.push(() => f(...a));
  };
const api = {
  track: whenReady((name: string, data?: Json) => {
    if (name == "conversion") return api.trackConversion(data);
    send(String(name), data || {});
  }),
  trackConversion: whenReady((data?: Json) => bucketed().forEach((a) => convert(a, undefined, data))),
  getVariant: safe((slug: string) => {
    const e = live().filter((x) => x.slug == slug)[0];
    const v = e && assigned(e);
    return v ? v.key : null;
  }),
  getVisitorId: () => vid,
  // Not deferred: attributes set before the snippet loaded count for its first evaluation.
  setAttributes: safe((a: Attrs) => {
    attrs = { ...attrs, ...a };
    jput(ATK, attrs);
    if (ready) evaluate();
  }),
  getAllAssignments: safe(() => {
    const out: Record<string, string> = {};
    bucketed().forEach((a) => (out[a.e.slug] = a.v.key));
    return out;
  }),
  reset: whenReady(() => {
    [VID, AK, ATK].forEach((k) => put(k, null));
    attrs = {};
    setVid(rid());
  }),
  optOut: whenReady(() => {
    [VID, AK, ATK, QK].forEach((k) => put(k, null));
    put(OK, "1");
    off = true;
    D.cookie = `${VID}=; path=/; max-age=0`;
  }),
  optIn: () => {
    off = false;
    put(OK, null);
  },
  // The pre-load stub's push() keeps working after load: Segmently.push(["track", "x"]).
  push: (c: any[]) => safe(() => (api as any)[c[0]](...c.slice(1)))(),
};

const start = (c?: Config) => {
  try {
    init(c);
  } catch (e) {
    reveal(); // whatever failed, the page is not kept hidden until the failsafe
  }
};
const init = (c?: Config) => {
  cfg = c && c.experiments ? c : undefined;
  if (!cfg) return reveal();
  boot.g = boot.g || (cfg as any).country;
  identify();
  evaluate(true);
  domReady(() => {
    applyAll();
    const delay = Math.max(0, ...active.filter((a) => a.v.changes.length).map((a) => +a.e.delay || 0));
    delay ? setTimeout(reveal, delay) : reveal();
  });
  if (!active.some((a) => a.v.changes.length)) reveal();
  ready = true;
  queued.splice(0).forEach((f) => safe(f)());
  if (cfg.badge || preview) {
    // The preview panel and the free-tier badge live in a second file visitors rarely need.
    W.Segmently._x = { c: cfg, b: base, n: nonce, pv: preview, s: SS } as Ext;
    domReady(() => D.head.appendChild(el("script", "")).setAttribute("src", base + "/static/dist/segmently-extras.js"));
  }
  // After the current task: the console (DevTools protocol when inspected) is off the reveal path.
  setTimeout(() => console.log("✅ Segmently loaded"));
  mark("ready"); // the snippet's own work is done; the reveal now waits for the document
};

const listen = (t: EventTarget, names: string, f: (e: Event) => void, opts?: AddEventListenerOptions) =>
  names.split(" ").forEach((n) => t.addEventListener(n, safe(f), opts || true));

const nav = () => {
  if (ready && L.href != url) {
    started = Date.now();
    exited = false;
    evaluate(true);
  }
};
const exit = () => {
  if (exited || !ready) return;
  exited = true;
  active.forEach((a) => send("page_exit", { duration_ms: Date.now() - started, interacted }, a));
  beacon();
};
const patch = (m: "pushState" | "replaceState") => {
  const orig = H[m];
  H[m] = function (this: History, ...args: any[]) {
    const r = orig.apply(this, args as any);
    safe(nav)();
    return r;
  } as any;
  return orig;
};
const replace = H.replaceState;

safe(() => {
  if (pending && pending.getVisitorId) return; // installed twice: the first copy stays in charge
  hide();
  setTimeout(reveal, 5000); // the failsafe: never hidden longer than 5 s, whatever happens
  W.Segmently = api;
  preview = ((L.search.match(/[?&]segmently_preview=([^&#]+)/) || [])[1] || get(PVK, SS) || "")
    .split(/:|%3A/i)
    .filter(Boolean);
  if (preview.length == 2) put(PVK, preview.join(":"), SS);
  else preview = undefined;

  patch("pushState");
  patch("replaceState");
  listen(window, "popstate", nav);
  listen(D, "click", (e) => {
    goals("click", e.target);
    const a = e.target instanceof Element && e.target.closest("a[href]");
    if (a) decorate(a);
  });
  listen(D, "submit", (e) => goals("form_submit", e.target));
  listen(D, "keydown touchstart scroll", () => (interacted = true), { capture: true, passive: true });
  listen(D, "mousedown", () => (interacted = true));
  listen(D, "visibilitychange", () => (D.visibilityState == "hidden" ? exit() : 0));
  listen(window, "pagehide", exit);

  // Calls made before the snippet loaded: window.Segmently = [[name, ...args], …] or {q: […]}.
  const q = pending && (Array.isArray(pending) ? pending : pending.q);
  if (q) q.forEach(api.push);

  if (boot.c && !preview) start(boot.c);
  else if (key && base)
    fetch(`${base}/s/${encodeURIComponent(key)}.json${preview ? "?preview=" + preview.join(":") : ""}`, {
      credentials: "omit",
    })
      .then((r) => (r.ok ? r.json() : 0))
      .then(start, () => start());
  else start(boot.c);
  // Retry whatever an earlier page left in the queue.
  later(1000);
  // Visual editor: framed by the dashboard (the origin this file came from), its hello loads the
  // editor chunk, which gets the change semantics below instead of a copy of them.
  if (W.top != W)
    listen(W as any, "message", (e: any) => {
      const x = api as any;
      if ((base + "/").indexOf(e.origin + "/") || !e.data || e.data.segmently != "editor-hello" || x._e) return;
      // r: the editor starts from the original page: opted out here, every experiment reverts.
      x._e = { c: change, r: () => ((off = true), evaluate()), o: e.origin, n: nonce };
      D.head.appendChild(el("script", "")).setAttribute("src", base + "/static/dist/segmently-editor.js");
    });
})();
