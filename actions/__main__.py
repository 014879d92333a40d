"""Run the action server: python -m actions [--port P]

rasa-sdk's server and options (port, TLS, CORS), serving this package behind a token on GOVCHAT_ACTION_SERVER_HOST
(actions/server.py), with govchat's logging instead of rasa-sdk's coloured handler, which masks nothing: ID and
mobile numbers masked in every line, level from GOVCHAT_LOG_LEVEL, JSON with GOVCHAT_LOG_JSON.
"""

from rasa_sdk import utils
from rasa_sdk.endpoint import create_argument_parser
from rasa_sdk.executor import ActionExecutor

from actions.server import run
from govchat.logging import configure_logging
from govchat.settings import get_settings


def main() -> None:
    args = create_argument_parser().parse_args()
    settings = get_settings()
    configure_logging(settings.log_level, json_format=settings.log_json)
    utils.update_sanic_log_level()
    executor = ActionExecutor()
    executor.register_package("actions")
    run(executor, args.port, args.cors, args.ssl_certificate, args.ssl_keyfile, args.ssl_password, args.auto_reload)


if __name__ == "__main__":
    main()
