"""`make bench`: every benchmark, each printing ratios measured in one run.

    python -m bench.run_all

Results also go to bench/results/*.json (not committed).
"""

from __future__ import annotations

import sys

from bench import collection, scrape, server_hostile


def main() -> int:
    result = collection.run(scopes=20, defects=100_000, latency=0.025, page_size=100, concurrency=4)
    collection.report(result)
    raw = collection.run(scopes=20, defects=100_000, latency=0.0, page_size=100, concurrency=4)
    collection.report(raw)
    scraped = scrape.run(connections=16, duration=10)
    scrape.report(scraped)
    server_hostile.report(server_hostile.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
