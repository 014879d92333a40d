"""The action server: rasa-sdk's app (its routes, workers and TLS options) behind a token, on a chosen address.

rasa-sdk's own ``run`` listens on 0.0.0.0 (or $SANIC_HOST) and answers anyone: one POST to /webhook with
``next_action=action_submit_service_request`` and made-up slots stored a request for a made-up person, past the
dialogue, the consent and the rate limits. Here every call but ``GET /health`` must carry
``Authorization: Bearer <GOVCHAT_ACTION_SERVER_TOKEN>``, which only Rasa has (bot/endpoints*.yml), and the server
binds ``GOVCHAT_ACTION_SERVER_HOST`` (loopback by default).
"""

import hmac
import logging
from functools import partial

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve, create_ssl_config
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

from govchat.settings import get_settings

logger = logging.getLogger(__name__)

# Open to health checks (the gateway's /readyz, the supervisor, a load balancer): it runs nothing and says "ok".
PUBLIC_PATHS = frozenset({"/health"})


def token_ok(authorization: str | None, expected: str) -> bool:
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected.encode())


def create_app(executor: ActionExecutor, cors_origins: str | list[str] | None, auto_reload: bool) -> Sanic:
    """rasa-sdk's app with a token check before every route; built in the main process and again in each worker."""
    app = create_app_for_serve(executor, cors_origins=cors_origins, auto_reload=auto_reload)
    expected = get_settings().action_server_token.get_secret_value()

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in PUBLIC_PATHS or token_ok(request.headers.get("authorization"), expected):
            return None
        logger.warning("refused %s %s without a valid action server token", request.method, request.path)
        return response.json({"error": "unauthorized"}, status=401)

    return app


def run(
    executor: ActionExecutor,
    port: int,
    cors_origins: str | list[str] | None = None,
    ssl_certificate: str | None = None,
    ssl_keyfile: str | None = None,
    ssl_password: str | None = None,
    auto_reload: bool = False,
) -> None:
    """rasa_sdk.endpoint.run with our app factory and host."""
    host = get_settings().action_server_host
    # A module-level factory: Sanic pickles the loader into each worker process, which builds its own app.
    loader = AppLoader(factory=partial(create_app, executor, cors_origins, auto_reload))
    app = loader.load()
    logger.info("action server listening on %s:%d", host, port)
    app.prepare(
        host=host,
        port=port,
        ssl=create_ssl_config(ssl_certificate, ssl_keyfile, ssl_password),
        workers=utils.number_of_sanic_workers(),
    )
    Sanic.serve(primary=app, app_loader=loader)
