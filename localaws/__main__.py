"""``python -m localaws [--port N] [--deletion-seconds S]``: serve in the foreground."""

from __future__ import annotations

import argparse
import json

from localaws.faults import Fault
from localaws.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m localaws",
        description="moto's server with MediaTailor, realistic service-linked roles and faults",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port")
    parser.add_argument(
        "--deletion-seconds",
        type=float,
        default=2.0,
        help="how long a service-linked role deletion task runs",
    )
    parser.add_argument("--faults", default="[]", help="JSON list of faults armed at start")
    parser.add_argument("--quiet", action="store_true", help="no log line per request")
    parser.add_argument(
        "--parent-pid", type=int, default=None, help="exit when this process is gone"
    )
    args = parser.parse_args(argv)
    faults = [Fault.from_dict(item) for item in json.loads(args.faults)]
    serve(
        args.port,
        args.deletion_seconds,
        args.host,
        faults=faults,
        quiet=args.quiet,
        parent_pid=args.parent_pid,
    )


if __name__ == "__main__":
    main()
