"""Traffic channels (GA4 default channel names), their mixes and the causal conversion model.

`TOUCH_EFFECT` is the ground truth of the attribution model: each session (touch) of channel c
adds `TOUCH_EFFECT[c]` to the visitor's purchase hazard for that session and every later one.
See docs/demo.md ("Causal journey model").
"""

from __future__ import annotations

import numpy as np

CHANNELS = (
    "Organic Social",
    "Paid Social",
    "Organic Search",
    "Paid Search",
    "Email",
    "Direct",
    "Referral",
)
ORGANIC_SOCIAL, PAID_SOCIAL, ORGANIC_SEARCH, PAID_SEARCH, EMAIL, DIRECT, REFERRAL = range(7)
SOCIAL_CHANNELS = (ORGANIC_SOCIAL, PAID_SOCIAL)

# Channel of a visitor's first session (acquisition) and of later sessions.
FIRST_SESSION_MIX = np.array([0.21, 0.19, 0.24, 0.11, 0.0, 0.13, 0.12])
RETURN_SESSION_MIX = np.array([0.13, 0.11, 0.17, 0.08, 0.19, 0.27, 0.05])
STICKINESS = 0.3  # chance a later session repeats the acquisition channel

# Purchase hazard per session: lift(day) * device(s) * (BASE_HAZARD + Σ effects of touches so far)
BASE_HAZARD = 0.0035
TOUCH_EFFECT = np.array([0.0062, 0.0081, 0.0074, 0.0102, 0.0125, 0.0048, 0.0055])

# Social platform of a social session (organic, paid); paid X is not used by the brand.
ORGANIC_PLATFORM_MIX = {
    "instagram": 0.38,
    "tiktok": 0.25,
    "facebook": 0.15,
    "x": 0.06,
    "pinterest": 0.16,
}
PAID_PLATFORM_MIX = {"instagram": 0.36, "facebook": 0.3, "tiktok": 0.24, "pinterest": 0.1}

DEVICES = ("mobile", "desktop", "tablet")
DEVICE_CONVERSION = np.array([0.78, 1.5, 1.05])  # relative purchase propensity
SOCIAL_DEVICE_MIX = np.array([0.86, 0.1, 0.04])
OTHER_DEVICE_MIX = np.array([0.55, 0.4, 0.05])
