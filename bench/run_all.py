"""`make bench`: every benchmark, each printing ratios measured in one run.

    python -m bench.run_all

Results also go to bench/results/*.json (not committed).
"""

from __future__ import annotations

import sys

from bench import collection, scrape, server_hostile


def main() -> int:
    # Side by side with the code before issue 30, in this one run (a git worktree of it).
    before = collection.issue_30_base()
    common = {"scopes": 21, "defects": 100_000, "page_size": 100, "concurrency": 4}
    result = collection.run(latency=0.025, slos_per_scope=600, before=before, **common)
    collection.report(result)
    explained = collection.run(
        latency=0.025, slos_per_scope=600, explained=True, before=before, **common
    )
    collection.report(explained)
    raw = collection.run(latency=0.0, before=before, **common)
    collection.report(raw)
    collection.requests_per_cycle(before)
    scraped = scrape.run(connections=16, duration=10)
    scrape.report(scraped)
    server_hostile.report(server_hostile.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
