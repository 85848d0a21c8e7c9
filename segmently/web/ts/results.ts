// Results page island: timeline charts (uPlot) and client-side sorting of the variant cards.
import uPlot from "uplot";

interface Interval { estimate: number; low: number; high: number }
interface Point {
  day: string;
  visitors: Record<string, number>;
  conversions: Record<string, number>;
  cumulative_rate: Record<string, number>;
  lift: Record<string, Interval | null>;
}
interface Timeline { points: Point[] }

const PALETTE = ["#64748b", "#4f46e5", "#059669", "#d97706", "#db2777", "#0891b2", "#7c3aed"];

function days(points: Point[]): number[] {
  return points.map((p) => Date.parse(p.day + "T00:00:00Z") / 1000);
}

function chart(el: HTMLElement, title: string, x: number[], series: { label: string; values: (number | null)[]; dash?: boolean; color: string }[], unit: string): void {
  const width = Math.max(280, el.clientWidth || 600);
  const opts: uPlot.Options = {
    title,
    width,
    height: 220,
    // A single day would make uPlot stretch the axis over years: pad it to a day either side.
    scales: { x: x.length === 1 ? { time: true, range: [x[0] - 86400, x[0] + 86400] } : { time: true } },
    axes: [{}, { values: (_u, vals) => vals.map((v) => v + unit) }],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dash ? [6, 4] : undefined,
        points: { show: x.length < 20, size: 6, fill: s.color },
      })),
    ],
  };
  el.innerHTML = "";
  new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
}

function drawTimeline(root: HTMLElement, data: Timeline, names: Record<string, string>): void {
  const pts = data.points;
  const empty = root.querySelector<HTMLElement>("[data-empty]");
  if (pts.length === 0) {
    if (empty) empty.hidden = false;
    return;
  }
  const keys = Object.keys(pts[0].visitors);
  const x = days(pts);
  const color = (i: number) => PALETTE[i % PALETTE.length];
  chart(root.querySelector("[data-chart=visitors]") as HTMLElement, "Daily visitors", x,
    keys.map((k, i) => ({ label: names[k] ?? k, values: pts.map((p) => p.visitors[k] ?? 0), color: color(i) })), "");
  chart(root.querySelector("[data-chart=rate]") as HTMLElement, "Conversion rate (cumulative)", x,
    keys.map((k, i) => ({ label: names[k] ?? k, values: pts.map((p) => p.cumulative_rate[k] ?? 0), color: color(i) })), "%");
  const lifts: { label: string; values: (number | null)[]; dash?: boolean; color: string }[] = [];
  keys.filter((k) => k !== "control").forEach((k, i) => {
    const c = color(i + 1);
    const name = names[k] ?? k;
    lifts.push({ label: `${name} lift`, values: pts.map((p) => p.lift[k]?.estimate ?? null), color: c });
    lifts.push({ label: `${name} 95% low`, values: pts.map((p) => p.lift[k]?.low ?? null), color: c, dash: true });
    lifts.push({ label: `${name} 95% high`, values: pts.map((p) => p.lift[k]?.high ?? null), color: c, dash: true });
  });
  chart(root.querySelector("[data-chart=lift]") as HTMLElement, "Cumulative lift vs control (with 95% interval)", x, lifts, "%");
}

function sortCards(container: HTMLElement, by: string): void {
  const cards = Array.from(container.querySelectorAll<HTMLElement>("[data-variant-card]"));
  cards.sort((a, b) => Number(b.dataset[by] ?? 0) - Number(a.dataset[by] ?? 0));
  cards.forEach((c) => container.appendChild(c));
}

function init(): void {
  const root = document.querySelector<HTMLElement>("[data-results]");
  if (!root) return;
  const names = JSON.parse(root.dataset.names ?? "{}") as Record<string, string>;
  fetch(root.dataset.timelineUrl ?? "", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then((data: Timeline) => drawTimeline(root, data, names))
    .catch(() => {
      const err = root.querySelector<HTMLElement>("[data-chart-error]");
      if (err) err.hidden = false;
    });
  const select = document.querySelector<HTMLSelectElement>("[data-sort-cards]");
  const cards = document.querySelector<HTMLElement>("[data-cards]");
  if (select && cards) {
    select.addEventListener("change", () => sortCards(cards, select.value));
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
