"""``python -m soak`` (``make soak``): a seeded soak of ``slr`` against the embedded local AWS.

Environment (each also an option): ``SOAK_SEED`` (default: drawn, and printed), ``SOAK_SECONDS``
(default 60), ``SOAK_MAX_COMMANDS`` (default 500), ``SOAK_STEPS`` (stop after that step: to
replay a failure). Exit status 0 when no invariant was violated, 1 when one was, 64 for a bad
option.
"""

from __future__ import annotations

import argparse
import os
import random
import sys

from localaws.control import use_fake_credentials
from soak.invariants import INVARIANTS, KNOWN
from soak.run import Options, Soak


def _options(argv: list[str]) -> Options:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m soak", description=__doc__)
    parser.add_argument("--seed", type=int, default=env.get("SOAK_SEED"))
    parser.add_argument("--seconds", type=float, default=float(env.get("SOAK_SECONDS", 60)))
    parser.add_argument("--max-commands", type=int, default=int(env.get("SOAK_MAX_COMMANDS", 500)))
    parser.add_argument("--steps", type=int, default=env.get("SOAK_STEPS"))
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--keep-going", action="store_true")
    parser.add_argument(
        "--strict", action="store_true", default=env.get("SOAK_STRICT", "") not in ("", "0")
    )
    args = parser.parse_args(argv)
    seed = int(args.seed) if args.seed is not None else random.SystemRandom().randrange(10**6)
    steps = int(args.steps) if args.steps is not None else None
    return Options(
        seed,
        args.seconds,
        args.max_commands,
        steps,
        args.members,
        args.keep_going,
        args.strict,
    )


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"


def summary(soak: Soak) -> list[str]:
    tally, ledger = soak.tally, soak.ledger
    lines = [
        f"soak: {tally.steps} steps, {sum(tally.commands.values())} commands in "
        f"{tally.seconds:.0f} s (limits: {soak.options.seconds:g} s, "
        f"{soak.options.max_commands} commands)",
        f"  commands:   {_counts(tally.commands)}",
        f"  exits:      {_counts(tally.exits)}",
        f"  faults:     fired {_counts(tally.faults)}; offered "
        f"{', '.join(o.name for o in soak.menu.offered)}",
    ]
    if soak.menu.missing:
        lines.append(f"  not offered by this local AWS: {', '.join(sorted(soak.menu.missing))}")
    lines += [
        f"  people:     {_counts(tally.outside)}",
        "  invariants checked:",
        *(
            f"    {ledger.checked[name]:5d}  {name}: {meaning}"
            for name, meaning in INVARIANTS.items()
        ),
    ]
    return lines


def violations(soak: Soak) -> list[str]:
    lines = []
    for n, violation in enumerate(soak.ledger.violations, 1):
        what = "VIOLATION" if violation in soak.ledger.failing else "KNOWN ISSUE"
        lines.append(f"soak: {what} at step {violation.step}: {violation.invariant}")
        if violation.known:
            lines.append(f"  known as {violation.known}: {KNOWN[violation.known]}")
        lines.append(f"  {violation.message}")
        if violation.ran is not None:
            kept = soak.workdir / f"violation-{n}"
            kept.with_suffix(".out").write_text(violation.ran.stdout)
            kept.with_suffix(".err").write_text(violation.ran.stderr)
            lines.append(f"  command: {violation.ran.command}")
            lines.append(f"  replay by hand: {violation.ran.replay()}")
            lines.append(f"  its stdout and stderr: {kept}.out, {kept}.err")
            lines.append("  stderr (last lines):")
            lines += [f"    {line}" for line in violation.ran.tail().splitlines()]
    return lines


def main(argv: list[str]) -> int:
    try:
        options = _options(argv)
    except (SystemExit, ValueError) as error:
        print(f"python -m soak: {error}", file=sys.stderr)
        return 64
    use_fake_credentials()
    soak = Soak(options, say=lambda line: print(line, flush=True))
    print(f"soak: seed {options.seed} (SOAK_SEED={options.seed} replays it)", flush=True)
    passed = soak.run()
    print("\n".join([*violations(soak), *summary(soak)]))
    replay = f"SOAK_SEED={options.seed} SOAK_STEPS={soak.tally.steps} make soak"
    if passed:
        known = sorted({v.known for v in soak.ledger.violations if v.known})
        also = f" (known issues met: {', '.join(known)}; SOAK_STRICT=1 fails on them)"
        print(f"soak: passed, seed {options.seed}: no invariant violated{also if known else ''}")
        return 0
    first = soak.ledger.failing[0]
    print(
        f"soak: FAILED, seed {options.seed}, step {first.step}: {first.invariant}; "
        f"replay: {replay} (work files kept in {soak.workdir})"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
