"""``python -m benchmarks [TARGET ...]`` (``make bench``): run the targets, print one table.

Targets: overhead, region_scan, drain, shared_state, deletion, startup, throttled_drain,
scan_scale, fleet_status, fleet_decommission, fleet_inventory (all by default). The fleet
rows' sizes: SLR_BENCH_ACCOUNTS (status, default 1,000) and
SLR_BENCH_DECOMMISSION_ACCOUNTS (default 200). Exit status 0 when every target passed, 1
when one did not.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import time
from collections.abc import Callable

from benchmarks.local import Bench, LogSink, compile_bytecode, isolate_environment
from benchmarks.report import Row, table

Target = Callable[[Bench], list[Row]]


def targets() -> dict[str, Target]:
    # Imported only now, after the isolation of the environment (no SLR_CRASH_AT, fake keys).
    from benchmarks import (
        deletion,
        drain,
        fleet_decommission,
        fleet_inventory,
        fleet_status,
        overhead,
        region_scan,
        scan_scale,
        shared_state,
        startup,
        throttled_drain,
    )

    return {
        "overhead": overhead.run,
        "region_scan": region_scan.run,
        "drain": drain.run,
        "shared_state": shared_state.run,
        "deletion": deletion.run,
        "startup": startup.run,
        "throttled_drain": throttled_drain.run,
        "scan_scale": scan_scale.run,
        "fleet_status": fleet_status.run,
        "fleet_decommission": fleet_decommission.run,
        "fleet_inventory": fleet_inventory.run,
    }


def main(argv: list[str]) -> int:
    isolate_environment()
    compile_bytecode()
    from lifecycle.log import configure

    known = targets()
    chosen = argv or list(known)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        print(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 64
    # In-process runners log every call as `slr` does (JSON lines), into a sink.
    configure("json", stream=LogSink(), level=logging.INFO)
    started = time.perf_counter()
    load = os.getloadavg()[0]
    rows: list[Row] = []
    with Bench() as bench:
        for name in chosen:
            print(f"bench: {name}...", file=sys.stderr, flush=True)
            rows += known[name](bench)
    elapsed = time.perf_counter() - started
    print(
        f"slr-lifecycle benchmarks: {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {load:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end; {elapsed:.0f} s\n"
    )
    print(table(rows))
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
