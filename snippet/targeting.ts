// Targeting, in the order of the spec's "How Targeting Works": URL rules (OR), device, country,
// attributes (AND). Mirrors segmently/core/targeting.py; never throws.
import type { Attrs, Condition, Rule, Targeting } from "./types";

export function urlMatches(rule: Rule, url: string): boolean {
  const v = rule.value;
  switch (rule.type) {
    case "exact":
      return url === v;
    case "contains":
      return url.indexOf(v) >= 0;
    case "starts_with":
      return url.indexOf(v) === 0;
    case "ends_with":
      return url.length >= v.length && url.slice(url.length - v.length) === v;
    case "regex":
      // The saved pattern is already inside the subset of docs/hashing.md ("URL regex subset"):
      // it means what new RegExp(pattern).test(url) means. Over-long URLs and line
      // terminators never match, as on the server.
      try {
        return url.length <= 2048 && !/[\n\r\u2028\u2029]/.test(url) && new RegExp(v).test(url);
      } catch (e) {
        return false;
      }
  }
  return false;
}

/** desktop ≥ 1024 px, tablet 768–1023, mobile < 768 (the spec's widths). */
export function deviceOf(width: number): string {
  return width >= 1024 ? "desktop" : width >= 768 ? "tablet" : "mobile";
}

function condition(c: Condition, attrs: Attrs): boolean {
  const a = attrs[c.name];
  const v = c.value;
  if (c.op === "exists") return a != null;
  if (a == null) return c.op === "not_equals";
  switch (c.op) {
    case "equals":
      return String(a) === String(v);
    case "not_equals":
      return String(a) !== String(v);
    case "in":
      return Array.isArray(v) && v.some((x) => String(x) === String(a));
    case "contains":
      return String(a).indexOf(String(v)) >= 0;
    case "greater":
      return +(a as number) > (v as number);
    case "less":
      return +(a as number) < (v as number);
  }
  return false;
}

export function targeted(
  t: Targeting | null | undefined,
  url: string,
  device: string,
  country: string | undefined,
  attrs: Attrs,
): boolean {
  if (!t) return true;
  const rules = t.url_rules || [];
  if (rules.length && !rules.some((r) => urlMatches(r, url))) return false;
  if (t.device && t.device !== "all" && t.device !== device) return false;
  const countries = t.countries || [];
  if (countries.length && country && countries.indexOf(country.toUpperCase()) < 0) return false;
  return (t.attributes || []).every((c) => condition(c, attrs));
}
