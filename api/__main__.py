"""Run the gateway: python -m api [--host H] [--port P] [--workers N]"""

import argparse

import uvicorn

from govchat.logging import configure_logging
from govchat.settings import get_settings


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m api", description="govchat gateway")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    configure_logging(settings.log_level, json_format=settings.log_json)
    uvicorn.run(
        "api.main:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
        log_config=None, proxy_headers=True,
    )


if __name__ == "__main__":
    main()
