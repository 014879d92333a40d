"""``python -m api.staff create-admin --username NAME``: the first administrator (password asked, or from
GOVCHAT_ADMIN_PASSWORD for scripted installs)."""

import argparse
import getpass
import os
import sys

from api.db import make_engine, make_sessionmaker, session_scope
from api.errors import AppError
from api.staff import service
from api.staff.models import StaffRole
from govchat.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.staff", description="工作人员账号管理")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="创建管理员账号（首次部署时使用）")
    create.add_argument("--username", default="admin")
    create.add_argument("--display-name", default="系统管理员")
    args = parser.parse_args(argv)

    password = os.environ.get("GOVCHAT_ADMIN_PASSWORD") or ""
    if not password:
        password = getpass.getpass("新管理员密码：")
        if getpass.getpass("再输入一次：") != password:
            sys.stderr.write("两次输入的密码不一致。\n")
            return 1
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            user = service.create(session=session, username=args.username, password=password,
                                  role=StaffRole.ADMIN, display_name=args.display_name)
            service.record(session=session, actor=None, username="cli", action="staff_create",
                           target_type="staff", target_id=user.id,
                           detail={"username": user.username, "role": "admin", "via": "create-admin"})
    except AppError as exc:
        sys.stderr.write(f"失败：{exc.detail}\n")
        return 1
    finally:
        engine.dispose()
    sys.stdout.write(f"已创建管理员 {args.username}。\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
