"""``python -m knowledge``: see knowledge/cli.py."""

from knowledge.cli import main

raise SystemExit(main())
