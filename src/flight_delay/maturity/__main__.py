"""`python -m flight_delay.maturity [--json] [--strict] [--root DIR]`; see the package docstring."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import flight_delay.maturity
from flight_delay.maturity.assess import assess_all, exit_code
from flight_delay.maturity.render import as_json, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flight_delay.maturity",
        description=flight_delay.maturity.__doc__.splitlines()[0],
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--strict", action="store_true", help="skipped checks of met/partly items fail too"
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="the repository (default .)")
    args = parser.parse_args(argv)
    results = assess_all(args.root.resolve())
    if args.json:
        print(json.dumps(as_json(results, args.strict), indent=2))
    else:
        print(render(results), end="")
    return exit_code(results, args.strict)


if __name__ == "__main__":
    sys.exit(main())
