"""CSV export of an experiment's results: per-variant totals, then the daily series."""

from __future__ import annotations

import csv
import io

from segmently.analytics.schemas import ResultsOut, TimelineOut


def results_csv(result: ResultsOut, timeline: TimelineOut) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["# Segmently results", result.name, result.slug])
    w.writerow(
        [
            "section",
            "goal",
            "variant_key",
            "variant_name",
            "visitors",
            "conversions",
            "conversion_rate_pct",
            "confidence_pct",
            "p_value",
            "relative_lift_pct",
            "lift_ci_low_pct",
            "lift_ci_high_pct",
            "chance_to_beat_control_pct",
            "sequential_p_value",
            "revenue_total",
            "revenue_per_visitor",
            "average_order_value",
        ]
    )
    for goal in [result.primary, *result.secondary]:
        for v in goal.variants:
            w.writerow(
                [
                    "variant",
                    goal.goal_name,
                    v.key,
                    _safe(v.name),
                    v.visitors,
                    v.conversions,
                    _num(v.conversion_rate),
                    _num(v.confidence),
                    _num(v.p_value),
                    _num(v.lift.estimate if v.lift else None),
                    _num(v.lift.low if v.lift else None),
                    _num(v.lift.high if v.lift else None),
                    _num(v.chance_to_beat_control),
                    _num(v.sequential_p_value),
                    _num(v.revenue.total),
                    _num(v.revenue.per_visitor),
                    _num(v.revenue.average_order_value),
                ]
            )
    w.writerow([])
    keys = [v.key for v in result.primary.variants]
    w.writerow(
        ["section", "day"]
        + [f"visitors_{k}" for k in keys]
        + [f"conversions_{k}" for k in keys]
        + [f"cumulative_rate_pct_{k}" for k in keys]
    )
    for p in timeline.points:
        w.writerow(
            ["daily", p.day.isoformat()]
            + [p.visitors.get(k, 0) for k in keys]
            + [p.conversions.get(k, 0) for k in keys]
            + [_num(p.cumulative_rate.get(k)) for k in keys]
        )
    return buf.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _safe(text: str) -> str:
    # Spreadsheet formula injection: a cell starting with = + - @ would run as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
