"""``python -m api.retention report`` (dry run) or ``python -m api.retention run`` (for cron)."""

import argparse
import json
import sys

from api.db import make_engine, make_sessionmaker, session_scope
from api.retention import service
from api.staff import service as staff_service
from govchat.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.retention", description="会话数据保留")
    parser.add_argument("command", choices=["report", "run"], help="report：试运行，只统计；run：删除或匿名化")
    args = parser.parse_args(argv)
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            result = service.run(session=session, settings=settings, dry_run=args.command == "report")
            if args.command == "run":
                staff_service.record(session=session, actor=None, username="cli", action="retention_run",
                                     detail=result.model_dump(mode="json"))
    finally:
        engine.dispose()
    sys.stdout.write(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
