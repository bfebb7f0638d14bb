"""The HTML scorecard: the summary dict turned into a view of ready-made strings, then Jinja2.

The template (`templates/report.html.j2`) only lays the view out: no arithmetic, no formatting,
no decisions. Autoescape is always on, so store text (a product named `<script>...`) is shown as
text; the only markup passed through is matplotlib's SVG. Links to store pages are kept only for
http(s) URLs, so a `javascript:` URL from a page cannot become a live link. A Content-Security-
Policy forbids scripts and any fetch, which both keeps the page self-contained and is a second
fence behind escaping.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from keepword.errors import shown_path
from reports import charts
from reports.images import screenshot
from reports.model import FIGURE_NAMES, config_label

__all__ = ["interval_text", "pct", "render_html", "safe_href", "short_when"]

_OUTCOME_WORDS = {
    "broken": "broken",
    "store_error": "store error",
    "harness_error": "harness error",
    "inconclusive": "inconclusive",
    "open": "open",
    "kept": "kept",
    "empty": "no claims",
}


def pct(value: float | None) -> str:
    """A fraction as a percentage with one decimal, or an em dash when unknown."""
    return "\u2014" if value is None else f"{value * 100:.1f}%"


def interval_text(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return "\u2014"
    return f"{lo * 100:.1f}\u2013{hi * 100:.1f}%"


def _num(value: float | None) -> str:
    if value is None:
        return "\u2014"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _clip(text: str, limit: int = 400) -> str:
    """A note (an e-mail body, say) cut to a readable length; summary.json keeps it whole."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def when_text(real: str | None, store: str | None) -> str:
    """When something happened, on the store's clock where it differs from real time by more
    than a minute (a demo or staging store running its own clock), with real time beside it."""
    if not real:
        return ""
    real_at = datetime.fromisoformat(real)
    real_text = f"{real_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    if not store:
        return real_text
    store_at = datetime.fromisoformat(store)
    if abs((store_at - real_at).total_seconds()) <= 60:
        return real_text
    return f"{store_at:%a %d %b %Y %H:%M} store time (UTC{store_at:%z}); real time {real_text}"


def short_when(real: str | None, store: str | None) -> str:
    """`when_text` for a table cell: "30 Nov 2026 09:00 store time (08:06 UTC)" where the store
    keeps a clock of its own, else "30 Nov 2026 08:06 UTC"."""
    if not real:
        return ""
    real_at = datetime.fromisoformat(real).astimezone(UTC)
    if store:
        store_at = datetime.fromisoformat(store)
        if abs((store_at - real_at).total_seconds()) > 60:
            return f"{store_at:%d %b %Y %H:%M} store time ({real_at:%H:%M:%S} UTC)"
    return f"{real_at:%d %b %Y %H:%M:%S} UTC"


def safe_href(url: str | None) -> str | None:
    """The URL if it is http(s), else None: a store's text never becomes a script link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None



def _rate_row(name: str, d: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "rate": pct(d["rate"]),
        "rate_raw": "" if d["rate"] is None else repr(d["rate"]),
        "interval": interval_text(d["lo"], d["hi"]),
        "kept": d["kept"],
        "broken": d["broken"],
        "inconclusive": d["inconclusive"],
        "open": d["open"],
        "claims": d["claims"],
        "decided": d["decided"],
        "bad": d["broken"] > 0,
        **extra,
    }


def _shots(items: list[dict[str, Any]], out_dir: Path, search: list[Path]) -> list[Any]:
    return [screenshot(s["path"], s["id"], out_dir, search) for s in items]


def _figure_text(name: str, f: dict[str, Any] | None) -> str:
    if f is None:
        return "\u2014"
    kind = FIGURE_NAMES.get(name, (name, "num"))[1]
    if kind == "pct":
        text = pct(f["value"])
        if f["lo"] is not None and f["hi"] is not None:  # a share's interval stays within 0..100%
            text += f" ({interval_text(max(0.0, f['lo']), min(1.0, f['hi']))})"
        return text
    text = _num(f["value"])
    if f["lo"] is not None and f["hi"] is not None:
        text += f" ({_num(f['lo'])}\u2013{_num(f['hi'])})"
    return text


def _daily_series(configs: list[dict[str, Any]], name: str) -> tuple[list[date], dict[str, Any]]:
    chosen = [c for c in configs if c["daily"].get(name)][:6]
    days = sorted({date.fromisoformat(p["day"]) for c in chosen for p in c["daily"][name]})
    series = {}
    for c in chosen:
        points = {p["day"]: (p["value"], p["lo"], p["hi"]) for p in c["daily"][name]}
        series[c["label"]] = [points.get(d.isoformat(), (None, None, None)) for d in days]
    return days, series


def _traffic(configs: list[dict[str, Any]], days: list[date]) -> list[float | None] | None:
    for c in configs:
        points = {p["day"]: p["value"] for p in c["daily"].get("orders_per_day", [])}
        if points:
            return [points.get(d.isoformat()) for d in days]
    return None


def _heat(run: dict[str, Any], metric: str) -> Any:
    swept = run["swept"]
    if not swept:
        return None
    xname = swept[0]
    yname = swept[1] if len(swept) > 1 else None
    values: dict[tuple[str, str], float | None] = {}
    xs: list[str] = []
    ys: list[str] = []
    for c in run["configs"]:
        f = c["figures"].get(metric)
        x = str(c["params"].get(xname))
        y = str(c["params"].get(yname)) if yname else ""
        if x not in xs:
            xs.append(x)
        if y not in ys:
            ys.append(y)
        values[(x, y)] = f["value"] if f else None
    grid = [[values.get((x, y)) for x in xs] for y in ys]
    percent = FIGURE_NAMES.get(metric, (metric, "num"))[1] == "pct"
    return charts.heatmap(xs, ys if yname else [FIGURE_NAMES.get(metric, (metric,))[0]], grid,
                          xlabel=xname, ylabel=yname or "", percent=percent,
                          ident=f"heat-{run['id']}")


def _charted(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The configurations drawn in the daily charts. A sweep would draw a tangle of lines, so it
    draws the first swept parameter's values with the others at their last (usually hardest)
    setting: "how the staff levels fare under the biggest spike", at most five lines."""
    configs: list[dict[str, Any]] = run["configs"]
    swept = run["swept"]
    if not run["sweep"] or len(swept) < 2:
        return configs[:5]
    last = configs[-1]["params"]
    return [c for c in configs if all(c["params"].get(k) == last.get(k) for k in swept[1:])][:5]


def _honest_text(h: dict[str, Any]) -> str:
    target = h["target"]
    share = f"{float(target):.0%}" if isinstance(target, int | float) else "the target share"
    interval = (
        f" (95% interval {_num(h['lo'])}\u2013{_num(h['hi'])} days)"
        if h["lo"] is not None and h["hi"] is not None and h["lo"] != h["hi"] else ""
    )
    return f"To keep {share} of delivery promises, promise delivery in {_num(h['days'])} days{interval}."


def _model_view(run: dict[str, Any]) -> dict[str, Any]:
    configs = run["configs"]
    # Known figures only: the model may write more (warehouse queue detail), kept in summary.json.
    names = [n for n in FIGURE_NAMES if n != "honest_promise_days" and any(n in c["figures"] for c in configs)]
    extra = sorted({n for c in configs for n in c["figures"]} - set(names) - {"honest_promise_days"})
    table = {
        "params": run["swept"] if run["sweep"] else [],
        "columns": [FIGURE_NAMES.get(n, (n,))[0] for n in names],
        "rows": [
            {
                "label": c["label"],
                "params": [str(c["params"].get(p, "")) for p in run["swept"]],
                "cells": [_figure_text(n, c["figures"].get(n)) for n in names],
            }
            for c in configs
        ],
    }
    shown = _charted(run)
    days, on_time = _daily_series(shown, "on_time_rate")
    on_time_chart = charts.daily_chart(days, _traffic(shown, days), on_time, ylabel="delivered on time",
                                       percent=True, ident=f"ontime-{run['id']}")
    wdays, wait = _daily_series(shown, "support_wait_mean_min")
    if len(wait) == 1:
        _, p90 = _daily_series(shown[:1], "support_wait_p90_min")
        wait = {"mean wait": next(iter(wait.values()))}
        if p90:
            wait["90th percentile"] = next(iter(p90.values()))
    wait_chart = charts.daily_chart(wdays, _traffic(shown, wdays), wait, ylabel="support wait (min)",
                                    percent=False, ident=f"wait-{run['id']}")
    metric = next((n for n in ("on_time_rate", *FIGURE_NAMES) if any(n in c["figures"] for c in configs)), None)
    honest = [] if run["sweep"] else [
        {"label": c["label"], "text": _honest_text(h)} for c in configs for h in c["honest_promise"]
    ]
    if run["sweep"] and any(c["honest_promise"] for c in configs):
        table["columns"].append("honest promise (days)")
        for row, c in zip(table["rows"], configs, strict=True):
            row["cells"].append(
                " / ".join(_num(h["days"]) for h in c["honest_promise"]) or "\u2014"
            )
    needed = []
    for n in run["needed"]:
        others = config_label(n["others"]) if n["others"] else ""
        where = f" with {others}" if others else ""
        share = f"{n['target']:.0%}"
        if n["smallest"] is None:
            text = f"No {n['param']} value in the sweep keeps {share} of deliveries on time{where}."
        else:
            text = f"To keep {share} of deliveries on time{where}: {n['param']} = {n['smallest']} or more."
        needed.append({"text": text, "met": n["smallest"] is not None})
    tallies = [
        _rate_row(kind, d, config=c["label"]) for c in configs for kind, d in c["tallies"].items()
    ]
    return {
        "id": run["id"],
        "kind": run["kind"],
        "scenario": shown_path(run["scenario"]) if run["scenario"] else "",
        "status": run["status"],
        "sweep": run["sweep"],
        "table": table,
        "on_time_chart": on_time_chart,
        "wait_chart": wait_chart,
        "heatmap": _heat(run, metric) if run["sweep"] and metric else None,
        "heatmap_metric": FIGURE_NAMES.get(metric or "", (metric,))[0] if metric else "",
        "honest": honest,
        "needed": needed,
        "figures_list": [] if run["sweep"] or not configs else [
            {"name": FIGURE_NAMES[n][0], "value": _figure_text(n, configs[0]["figures"].get(n))} for n in names
        ],
        "tallies": tallies,
        "tallies_open": len(tallies) <= 8,
        "charted": ", ".join(c["label"] for c in shown) if run["sweep"] else "",
        "more_figures": ", ".join(extra),
    }


def _products_text(products: list[dict[str, Any]], shown: int = 3) -> str:
    names = [p["title"] if p["title"] == p["sku"] else f"{p['title']} ({p['sku']})" for p in products]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return (", ".join(names[:shown]) + more) or "\u2014"


def _fix_first(obs: dict[str, Any], broken: dict[str, dict[str, Any]],
               errors: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The fix-first rows; each example points at its card below (with the screenshot)."""
    rows = []
    for p in obs["fix_first"]:
        example = p["example"]
        card = (broken if example["of"] == "claim" else errors).get(example["id"], {})
        if example["of"] == "claim" and card:
            said = f"claimed {card['claimed']}, then {card['observed']}"
            said += f" ({card['difference']})" if card.get("difference") else ""
        else:
            said = card.get("message", "")
        shots = card.get("shots") or []
        rows.append({
            **p,
            "kind_text": "store error" if p["kind"] == "store_error" else p["kind"],
            "products_text": _products_text(p["products"]),
            "first": short_when(p["first_seen"], p["first_seen_store"]),
            "last": short_when(p["last_seen"], p["last_seen_store"]),
            "example_text": said,
            "example_subject": card.get("subject") or card.get("step") or "",
            "example_anchor": card.get("anchor", ""),
            "example_href": card.get("href"),
            "example_url": card.get("url"),
            "example_shot": next((s.href for s in shots if s.href), None),
        })
    return rows


def _view(summary: dict[str, Any], out_dir: Path, search: list[Path]) -> dict[str, Any]:
    from reports.catalogue import catalogue_view

    obs = summary["observed"]
    overall = obs["overall"]
    kinds = [_rate_row(k, d) for k, d in obs["by_kind"].items()]
    outcomes = obs["journeys"]["outcomes"]
    broken = [
        {
            **b,
            "anchor": f"claim-{b['claim_id']}",
            "href": safe_href(b["url"]),
            "when": when_text(b["decided_at"], b.get("decided_store_at")),
            "made": when_text(b["made_at"], b.get("made_store_at")),
            "shots": _shots(b["screenshots"], out_dir, search),
            "notes": [_clip(n) for n in b["notes"]],
        }
        for b in obs["broken"]
    ]
    store_errors = [
        {
            **e,
            "anchor": f"store-error-{e['id']}",
            "href": safe_href(e["url"]),
            "when": when_text(e["at"], e.get("store_at")),
            "shots": _shots(e["screenshots"], out_dir, search),
            "headline": " ".join(x for x in (f"HTTP {e['status']}" if e["status"] else "", e["title"] or "") if x)
            or "error page",
        }
        for e in obs["store_error_list"]
    ]
    return {
        "generated_at": summary["generated_at"][:19].replace("T", " ") + " UTC",
        "ledger": summary["ledger"],
        "runs": [{**r, "scenario": shown_path(r["scenario"]) if r["scenario"] else "", "started": (r["started_at"] or "")[:19].replace("T", " ")}
                 for r in summary["runs"]],
        "headline": _rate_row("all promises", overall, harness_errors=obs["harness_errors"],
                              store_errors=obs["store_errors"],
                              journeys=obs["journeys"]["total"], skipped=obs["skipped"],
                              skipped_why=next((j["skipped"] for j in obs["journeys"]["list"] if j["skipped"]), "")),
        "unfinished": obs["unfinished_runs"],
        "running": obs.get("running_runs", []),
        "fix_first": _fix_first(obs, {b["claim_id"]: b for b in broken}, {e["id"]: e for e in store_errors}),
        "store_errors": store_errors,
        "journey_outcomes": [
            {"name": _OUTCOME_WORDS[k], "key": k, "count": v} for k, v in outcomes.items() if v
        ],
        "kinds": kinds,
        "kinds_chart": charts.kind_rates_chart(
            [{"name": k, **d} for k, d in obs["by_kind"].items()], ident="kinds"
        ),
        "trend": [_rate_row(f"run {t['run']}", t, run=t["run"], started=(t["started_at"] or "")[:16].replace("T", " "))
                  for t in obs["trend"]],
        "trend_chart": charts.trend_chart(obs["trend"], ident="trend"),
        "stores": [_rate_row(k, d) for k, d in obs["by_store"].items()],
        "steps": [_rate_row(k, d, harness_errors=d["harness_errors"]) for k, d in obs["by_step"].items()],
        "worst_steps": [_rate_row(d["step"], d, harness_errors=d["harness_errors"]) for d in obs["worst_steps"]],
        "broken": broken,
        "failures": [
            {
                **f,
                "href": safe_href(f["url"]),
                "when": (f["at"] or "")[:19].replace("T", " "),
                "shots": _shots(f["screenshots"], out_dir, search),
            }
            for f in obs["harness_failures"]
        ],
        "journeys": [
            {**j, "outcome_text": _OUTCOME_WORDS[j["outcome"]], "rate_text": pct(j["rate"])}
            for j in obs["journeys"]["list"]
        ],
        "model": [_model_view(m) for m in summary["model"]],
        "catalogue": catalogue_view(summary.get("catalogue")),
        "gates": summary["gates"],
    }


def render_html(summary: dict[str, Any], out_dir: Path, *, search: list[Path]) -> str:
    """The whole page as one string; screenshots are copied under `out_dir` on the way."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,  # always: store text is hostile until shown otherwise
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(report=_view(summary, out_dir, search))
