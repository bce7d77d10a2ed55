"""What happens in each session: purchase (from the causal hazard), cart, checkout, lead, depth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mercato.demo.channels import BASE_HAZARD, DEVICE_CONVERSION, TOUCH_EFFECT
from mercato.demo.timeline import HISTORY_DAYS
from mercato.demo.traffic import Sessions

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

CART_WITHOUT_PURCHASE = 0.058  # tuned so cart abandonment lands near Baymard's ~70 %
CHECKOUT_WITHOUT_PURCHASE = 0.42
LEAD_FIRST_SESSION = 0.045  # email popup sign-ups: such popups typically sign up 2-4 %
LEAD_LATER_SESSION = 0.018
BOUNCE_SHARE = 0.5


@dataclass
class Outcomes:
    purchase_probability: FloatArray
    purchase: BoolArray
    checkout: BoolArray
    cart: BoolArray
    lead: BoolArray
    pageviews: IntArray
    identified: BoolArray  # the visitor bought in this or an earlier session

    def subset(self, keep: BoolArray) -> Outcomes:
        return Outcomes(**{name: getattr(self, name)[keep] for name in self.__dataclass_fields__})


def visitor_cumsum(values: FloatArray, visitor: IntArray) -> FloatArray:
    """Running sum of `values` restarted at every visitor's first session (rows by visitor)."""
    total = np.cumsum(values)
    first = np.flatnonzero(np.r_[True, visitor[1:] != visitor[:-1]])
    block = np.searchsorted(first, np.arange(values.size), "right") - 1
    return total - (total[first] - values[first])[block]


def purchase_probability(
    sessions: Sessions, lift: FloatArray, removed: BoolArray | None = None
) -> FloatArray:
    """P(purchase in session) = 1 - exp(-lift·device·(base + Σ effects of touches so far)).

    With `removed`, those touches never happened: they add no effect to later sessions.
    (Their own probability is still returned; callers drop removed sessions from sums.)
    """
    effects = TOUCH_EFFECT[sessions.channel]
    if removed is not None:
        effects = np.where(removed, 0.0, effects)
    accumulated = visitor_cumsum(effects, sessions.visitor)
    hazard = (
        lift[sessions.day + HISTORY_DAYS]
        * DEVICE_CONVERSION[sessions.device]
        * (BASE_HAZARD + accumulated)
    )
    probability: FloatArray = -np.expm1(-hazard)
    return probability


def _first_per_visitor(flag: BoolArray, visitor: IntArray) -> BoolArray:
    """Keep only the first True of each visitor (a visitor signs up once)."""
    seen = visitor_cumsum(flag.astype(np.float64), visitor)
    first: BoolArray = flag & (seen == 1)
    return first


def draw_outcomes(rng: np.random.Generator, sessions: Sessions, lift: FloatArray) -> Outcomes:
    count = len(sessions)
    probability = purchase_probability(sessions, lift)
    purchase = rng.random(count) < probability
    cart = purchase | (rng.random(count) < CART_WITHOUT_PURCHASE)
    checkout = purchase | (cart & (rng.random(count) < CHECKOUT_WITHOUT_PURCHASE))
    first = sessions.session_number == 1
    lead_chance = np.where(first, LEAD_FIRST_SESSION, LEAD_LATER_SESSION)
    lead = _first_per_visitor(rng.random(count) < lead_chance, sessions.visitor)
    bounce = rng.random(count) < BOUNCE_SHARE
    pageviews = np.where(bounce, 1, 1 + rng.geometric(0.3, count)).astype(np.int64)
    # Funnel pages: entry, product, cart (and checkout) must all fit in the session.
    pageviews = np.maximum(pageviews, np.where(checkout, 4, np.where(cart, 3, 1)))
    bought_before = visitor_cumsum(purchase.astype(np.float64), sessions.visitor) > 0
    return Outcomes(
        purchase_probability=probability,
        purchase=purchase,
        checkout=checkout,
        cart=cart,
        lead=lead,
        pageviews=pageviews,
        identified=bought_before,
    )
