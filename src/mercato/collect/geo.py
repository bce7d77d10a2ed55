"""Country of a visitor's address, from the offline database the geoip2fast package ships.

The address is looked up while the hit is enriched and only the ISO 3166-1 alpha-2 code is
kept: the raw IP never reaches the WAL or the warehouse. Nothing is fetched at run time; the
database file (IPv4 and IPv6 country ranges) is part of the installed package. Private,
reserved and unknown addresses have no country (NULL), never a guess.
"""

from __future__ import annotations

import ipaddress
import threading
from functools import lru_cache
from importlib.resources import files
from typing import Any

# The package's own country database covering both address families.
DATA_FILE = "geoip2fast-ipv6.dat.gz"
_load_lock = threading.Lock()
_reader: Any = None


def _database() -> Any:
    """The loaded database, read once per process (about a second) on first lookup."""
    global _reader
    if _reader is None:
        with _load_lock:
            if _reader is None:
                from geoip2fast import GeoIP2Fast

                path = files("geoip2fast").joinpath(DATA_FILE)
                _reader = GeoIP2Fast(geoip2fast_data_file=str(path), verbose=False)
    return _reader


@lru_cache(maxsize=16384)
def country_of(ip: str) -> str | None:
    """Two upper-case letters, or None for an empty, private, malformed or unknown address."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if not address.is_global:
        return None
    code = str(getattr(_database().lookup(str(address)), "country_code", "") or "")
    return code.upper() if len(code) == 2 and code.isalpha() else None
