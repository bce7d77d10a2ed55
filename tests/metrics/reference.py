"""An independent pandas reference for every KPI: written from docs/metrics.md, not from the
compiler.

Local time comes from pandas' own time-zone conversion (the product uses offset segments),
pivots from pandas' pivot_table, medians from pandas; ratios here are plain floats.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa

NONE = "(none)"
SOCIAL = ("Organic Social", "Paid Social")
# Engagement terms per platform: (alternative neutral names) → weight; "quotes" is optional.
ENGAGEMENT = {
    "facebook": {("reactions", "likes"): 1, ("comments",): 1, ("shares",): 1},
    "instagram": {("likes",): 1, ("comments",): 1, ("saves",): 1, ("shares",): 1},
    "tiktok": {("likes",): 1, ("comments",): 1, ("shares",): 1},
    "x": {("likes",): 1, ("replies", "comments"): 1, ("reposts", "shares"): 1, ("quotes",): 1},
    "pinterest": {("likes",): 1, ("comments",): 1, ("saves",): 1, ("link_clicks",): 1},
}
WEIGHTED = {
    "facebook": {("reactions", "likes"): 1, ("comments",): 2, ("shares",): 3, ("link_clicks",): 5},
    "instagram": {("likes",): 1, ("comments",): 2, ("saves",): 4, ("shares",): 3},
    "tiktok": {("likes",): 1, ("comments",): 2, ("shares",): 3},
    "x": {
        ("likes",): 1,
        ("replies", "comments"): 2,
        ("reposts", "shares"): 3,
        ("quotes",): 3,
        ("link_clicks",): 5,
    },
    "pinterest": {("likes",): 1, ("comments",): 2, ("saves",): 4, ("link_clicks",): 5},
}
OPTIONAL = {("quotes",)}  # in the engagement numerator; every weighted term is optional

Result = dict[str, dict[tuple[str, ...], Any]]


class Reference:
    def __init__(self, tables: dict[str, pa.Table], workspace: str, tz: str) -> None:
        self.tz = tz
        self.frames = {
            name: (frame := table.to_pandas())[frame.workspace_id == workspace].copy()
            for name, table in tables.items()
        }

    def _local_days(self, ts: pd.Series) -> pd.Series:
        return ts.dt.tz_localize("UTC").dt.tz_convert(self.tz).dt.date

    def _window(self, frame: pd.DataFrame, column: str, first: date, last: date) -> pd.DataFrame:
        days = self._local_days(frame[column]) if column != "day" else frame[column]
        return frame[(days >= first) & (days <= last)].copy()

    @staticmethod
    def _groups(frame: pd.DataFrame, dims: list[str]) -> dict[tuple[str, ...], pd.DataFrame]:
        if not dims:
            return {(): frame}
        labelled = frame.copy()
        for dim in dims:
            labelled[dim] = labelled[dim].astype(object).where(labelled[dim].notna(), NONE)
        return {
            tuple(str(v) for v in (key if isinstance(key, tuple) else (key,))): group
            for key, group in labelled.groupby(dims, dropna=False)
        }

    def sessions(self, first: date, last: date) -> pd.DataFrame:
        s = self._window(self.frames["sessions"], "started_at", first, last)
        s = s.rename(columns={"social_platform": "platform", "entry_page_type": "page_type"})
        rule = (
            (s.engaged_ms.fillna(0) > 10_000)
            | (s.pageviews.fillna(0) >= 2)
            | (s.orders.fillna(0) > 0)
            | (s.leads.fillna(0) > 0)
        )
        s["engaged"] = [
            rule_value if pd.isna(flag) else bool(flag)
            for flag, rule_value in zip(s.is_engaged, rule, strict=True)
        ]
        return s

    def orders(self, first: date, last: date) -> pd.DataFrame:
        o = self._window(self.frames["orders"], "placed_at", first, last)
        s = self.frames["sessions"][["session_id", "social_platform", "channel"]]
        merged = o.merge(s, on="session_id", how="left")
        return merged.rename(columns={"social_platform": "platform"})

    def posts(self, first: date, last: date) -> pd.DataFrame:
        m = self.frames["social_post_metrics"].sort_values("captured_at")
        latest = m.drop_duplicates(["platform", "post_id", "metric"], keep="last")
        wide = latest.set_index(["platform", "post_id", "metric"]).value.unstack("metric")
        wide = wide.reset_index()
        posts = self._window(self.frames["social_posts"], "posted_at", first, last)
        if "followers" not in wide:
            wide["followers"] = float("nan")
        wide = wide.rename(columns={"followers": "post_followers"})
        posts = posts.merge(wide, on=["platform", "post_id"], how="left")
        days = self.account_days()
        followers = days[["platform", "account_id", "day", "followers"]]
        posts["day"] = posts.posted_at.dt.date
        posts = posts.merge(followers, on=["platform", "account_id", "day"], how="left")
        # A post's own follower count (from its export) wins over the account's day value.
        posts["followers"] = posts.post_followers.where(
            posts.post_followers.notna(), posts.followers
        )
        posts["engagements"] = [self._combine(row, ENGAGEMENT) for _i, row in posts.iterrows()]
        posts["weighted"] = [
            self._combine(row, WEIGHTED, every_optional=True) for _i, row in posts.iterrows()
        ]
        return posts

    @staticmethod
    def _combine(
        row: pd.Series,
        weights: dict[str, dict[tuple[str, ...], int]],
        every_optional: bool = False,
    ) -> float | None:
        """Σ weight x metric; a missing required metric, or no reported metric, is None."""
        parts = weights.get(row.platform)
        if parts is None:
            return None
        total, reported = 0.0, 0
        for names, weight in parts.items():
            known = [row.get(n) for n in names if n in row and not pd.isna(row.get(n))]
            if not known and (every_optional or names in OPTIONAL):
                continue
            if not known:
                return None
            total += float(known[0]) * weight
            reported += 1
        return total if reported else None

    def account_days(self) -> pd.DataFrame:
        d = self.frames["social_account_daily"]
        wide = d.set_index(["platform", "account_id", "day", "metric"]).value.unstack("metric")
        return wide.reset_index()

    @staticmethod
    def entity_rate(
        frame: pd.DataFrame, num: str, den: str, complement: bool = False
    ) -> dict[str, Any]:
        valid = frame[frame[num].notna() & frame[den].notna() & (frame[den] > 0)]
        sums = valid[num].sum() / valid[den].sum() if len(valid) else None
        median = (valid[num] / valid[den]).median() if len(valid) else None
        if complement:
            sums = None if sums is None else 1 - sums
            median = None if median is None else 1 - median
        return {"sums": sums, "median": median, "used": len(valid), "total": len(frame)}


def ratio(numerator: Any, denominator: Any) -> float | None:
    if denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def money(values: pd.Series) -> Decimal:
    return sum(
        (Decimal(str(v)) for v in values if v is not None and not pd.isna(v)), Decimal("0.00")
    )


def reported_money(values: pd.Series) -> Decimal | None:
    """Σ of the amounts present; None when rows exist but none carries one (missing, not 0)."""
    if len(values) and values.isna().all():
        return None
    return money(values)


def reported_sum(values: pd.Series) -> float | None:
    """Σ of the values present; None when rows exist but none carries one."""
    if len(values) and values.isna().all():
        return None
    return float(values.sum())


def _by(
    ref: Reference, frame: pd.DataFrame, dims: list[str], fn: Any
) -> dict[tuple[str, ...], Any]:
    return {key: fn(group) for key, group in ref._groups(frame, dims).items()}


def _social(frame: pd.DataFrame) -> pd.Series:
    channel = frame.channel.fillna("")
    return channel.isin(SOCIAL) | channel.str.startswith("Social in-app")


def _sum_or_missing(values: pd.Series) -> int | None:
    """A platform that reports none of a metric has it missing (None), not 0."""
    total = values.sum(min_count=1)
    return None if pd.isna(total) else int(total)


def _follower_growth(days: pd.DataFrame) -> float | None:
    known = days[days.followers.notna()].sort_values("day")
    per_account = known.groupby("account_id").followers.agg(["first", "last"])
    start, end = per_account["first"].sum(), per_account["last"].sum()
    return ratio(end - start, start) if len(per_account) else None


def _net_follows(days: pd.DataFrame) -> int:
    both = days[days.follows.notna() & days.unfollows.notna()]
    return int(both.follows.sum() - both.unfollows.sum())


def _sessions_before_purchase(sessions: pd.DataFrame, stat: str) -> float | None:
    bought = sessions[(sessions.orders > 0) & sessions.visitor_id.notna()]
    firsts = bought.groupby("visitor_id").session_number.min()
    if not len(firsts):
        return None
    return float(firsts.median() if stat == "median" else firsts.mean())


def session_kpis(ref: Reference, first: date, last: date, dims: list[str]) -> Result:
    s = ref.sessions(first, last)
    o = ref.orders(first, last)
    counts = _by(ref, s, dims, len)
    txns = _by(ref, o, dims, lambda g: g.order_id.nunique())
    gross = _by(ref, o, dims, lambda g: money(g.gross))
    net = _by(ref, o, dims, lambda g: reported_money(g.net))
    net_orders = _by(ref, o, dims, lambda g: g.order_id[g.net.notna()].nunique())
    keys = sorted(set(counts) | set(txns))
    events = ref._window(ref.frames["events"], "ts", first, last)
    events = events.rename(columns={"social_platform": "platform"})
    total_gross = money(o.gross)
    cent = Decimal("0.01")
    carts = _by(ref, s, dims, lambda g: (g.add_to_carts > 0).sum())
    carts_ordered = _by(ref, s, dims, lambda g: ((g.add_to_carts > 0) & (g.orders > 0)).sum())
    checks = _by(ref, s, dims, lambda g: (g.checkouts > 0).sum())
    checks_ordered = _by(ref, s, dims, lambda g: ((g.checkouts > 0) & (g.orders > 0)).sum())
    social_gross = _by(ref, o, dims, lambda g: money(g.gross[_social(g)]))
    out: Result = {
        name: {}
        for name in (
            "sessions",
            "social_sessions",
            "lead_capture_rate",
            "engaged_time_per_session",
            "engaged_session_rate",
            "revenue_gross",
            "revenue_net",
            "transactions",
            "conversion_rate",
            "aov_gross",
            "aov_net",
            "cart_abandonment_rate",
            "checkout_abandonment_rate",
            "social_revenue_share",
            "sessions_before_purchase",
            "sessions_before_purchase_mean",
        )
    }
    groups = ref._groups(s, dims)
    for key in keys:
        g = groups.get(key, s.iloc[0:0])
        n, t = counts.get(key, 0), txns.get(key, 0)
        gr, nt = gross.get(key, Decimal("0.00")), net.get(key, Decimal("0.00"))
        out["sessions"][key] = n
        out["social_sessions"][key] = int(_social(g).sum())
        out["lead_capture_rate"][key] = ratio(g.leads.sum(), n)
        engaged = reported_sum(g.engaged_ms)
        ems = None if engaged is None else ratio(engaged, n)
        out["engaged_time_per_session"][key] = None if ems is None else ems / 1000
        out["engaged_session_rate"][key] = ratio(g.engaged.sum(), n)
        out["revenue_gross"][key], out["revenue_net"][key] = gr, nt
        out["transactions"][key] = t
        out["conversion_rate"][key] = ratio(t, n)
        out["aov_gross"][key] = (gr / t).quantize(cent) if t else None
        nt_orders = net_orders.get(key, 0)
        out["aov_net"][key] = (
            (nt / nt_orders).quantize(cent) if nt is not None and nt_orders else None
        )
        cart = ratio(carts_ordered.get(key, 0), carts.get(key, 0))
        out["cart_abandonment_rate"][key] = None if cart is None else 1 - cart
        check = ratio(checks_ordered.get(key, 0), checks.get(key, 0))
        out["checkout_abandonment_rate"][key] = None if check is None else 1 - check
        out["social_revenue_share"][key] = ratio(social_gross.get(key, 0), total_gross)
        out["sessions_before_purchase"][key] = _sessions_before_purchase(g, "median")
        out["sessions_before_purchase_mean"][key] = _sessions_before_purchase(g, "mean")

    def per_page(g: pd.DataFrame) -> float | None:
        engaged = reported_sum(g.engaged_ms)
        return None if engaged is None else ratio(engaged, (g.name == "pageview").sum())

    pages = _by(ref, events, dims, per_page)
    out["engaged_time_per_page"] = {k: None if v is None else v / 1000 for k, v in pages.items()}
    return out


def social_kpis(ref: Reference, first: date, last: date, dims: list[str]) -> Result:
    posts = ref.posts(first, last)
    days = ref.account_days()
    days = days[(days.day >= first) & (days.day <= last)]
    out: Result = {}
    out["views"] = _by(ref, posts, dims, lambda g: _sum_or_missing(g.views))
    out["reach"] = _by(ref, posts, dims, lambda g: _sum_or_missing(g.reach))
    rates = {
        "frequency": ("views", "reach"),
        "engagement_rate_by_followers": ("engagements", "followers"),
        "engagement_rate_by_reach": ("engagements", "reach"),
        "engagement_rate_by_views": ("engagements", "views"),
        "engagement_mix_weighted": ("weighted", "views"),
        "social_ctr": ("link_clicks", "views"),
    }
    for kpi_id, (num, den) in rates.items():
        out[kpi_id] = _by(ref, posts, dims, lambda g, n=num, d=den: Reference.entity_rate(g, n, d))
    out["reach_rate"] = _by(
        ref, days, dims, lambda g: Reference.entity_rate(g, "reach", "followers")
    )
    out["dormant_follower_proxy"] = _by(
        ref,
        days,
        dims,
        lambda g: Reference.entity_rate(g, "reach_from_followers", "followers", True),
    )
    out["follower_growth_rate"] = _by(ref, days, dims, _follower_growth)
    out["follower_net_change"] = _by(ref, days, dims, _net_follows)
    return out


def spend_kpis(ref: Reference, first: date, last: date, dims: list[str]) -> Result:
    o = ref.orders(first, last)
    spend = ref.frames["ad_spend"]
    spend = spend[(spend.day >= first) & (spend.day <= last)]
    paid = _by(ref, o[o.channel == "Paid Social"], dims, lambda g: money(g.gross))
    costs = _by(ref, spend, dims, lambda g: money(g.spend))
    keys = set(costs) | set(paid) | set(_by(ref, o, dims, len))
    return {"roas": {k: ratio(paid.get(k, 0), costs.get(k, 0)) for k in keys}}
