"""`python -m bench [name ...]`: run the named benchmarks, or all of them."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        info.name for info in pkgutil.iter_modules([str(here)]) if not info.name.startswith("_")
    )


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(available())}")
        return 2
    for name in names:
        print(f"== bench/{name}")
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        module.main()
        print(f"== bench/{name} done in {time.perf_counter() - started:.1f}s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
