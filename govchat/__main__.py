"""python -m govchat run: prepare (migrate, index, train) and run every process until Ctrl-C."""

import argparse
import sys

from govchat.logging import configure_logging
from govchat.settings import get_settings
from govchat.stack import StackError, run_forever


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m govchat")
    parser.add_argument("command", choices=["run"])
    parser.parse_args()
    settings = get_settings()
    configure_logging(settings.log_level)
    try:
        return run_forever(settings)
    except StackError as exc:
        sys.stderr.write(f"govchat: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
