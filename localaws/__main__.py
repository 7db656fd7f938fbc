"""``python -m localaws [--port N] [--deletion-seconds S] [--no-short-pages] ...``: serve in the
foreground. Every setting of :class:`~localaws.settings.Settings` is an option."""

from __future__ import annotations

import argparse
import json

from localaws.faults import Fault
from localaws.server import serve
from localaws.settings import Settings, option_name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m localaws",
        description="moto's server with MediaTailor, realistic service-linked roles, opt-in "
        "regions and faults, as harsh as AWS by default",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port")
    defaults = Settings()
    for name, default in defaults.to_dict().items():
        help_text = f"{Settings.help(name)} (default: {default})"
        if Settings.is_flag(name):
            parser.add_argument(
                option_name(name),
                action=argparse.BooleanOptionalAction,
                default=default,
                help=help_text,
            )
        else:
            parser.add_argument(option_name(name), type=float, default=default, help=help_text)
    parser.add_argument("--faults", default="[]", help="JSON list of faults armed at start")
    parser.add_argument("--quiet", action="store_true", help="no log line per request")
    parser.add_argument(
        "--parent-pid", type=int, default=None, help="exit when this process is gone"
    )
    args = parser.parse_args(argv)
    try:
        settings = defaults.changed({name: getattr(args, name) for name in Settings.names()})
    except ValueError as error:
        parser.error(str(error))
    faults = [Fault.from_dict(item) for item in json.loads(args.faults)]
    serve(
        args.port,
        settings,
        args.host,
        faults=faults,
        quiet=args.quiet,
        parent_pid=args.parent_pid,
    )


if __name__ == "__main__":
    main()
