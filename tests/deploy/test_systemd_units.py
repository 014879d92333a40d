"""deploy/systemd and bot/endpoints*.yml keep Rasa and the action server private: loopback binds, and the tokens
every unit needs are in the example environment (docs/security.md)."""

import pytest
import yaml

from govchat.settings import ROOT, SECRET_SETTINGS, Settings

UNITS = ROOT / "deploy" / "systemd"


def test_rasa_and_the_gateways_listen_on_loopback() -> None:
    assert "--interface 127.0.0.1 --port %i" in (UNITS / "govchat-rasa@.service").read_text()
    assert "--host 127.0.0.1 --port" in (UNITS / "govchat-gateway@.service").read_text()
    assert Settings().action_server_host == "127.0.0.1"  # the actions unit binds the setting's default


def test_the_example_environment_sets_every_secret_and_production_refuses_the_defaults() -> None:
    example = (UNITS / "govchat.env.example").read_text()
    for name in SECRET_SETTINGS:
        assert f"GOVCHAT_{name.upper()}=change-me" in example
        with pytest.raises(ValueError, match=f"GOVCHAT_{name.upper()} must be set"):
            Settings(environment="production", **{n: "a-real-secret" for n in SECRET_SETTINGS if n != name})


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.scaled.yml"])
def test_rasa_sends_the_action_server_token(endpoints: str) -> None:
    action_endpoint = yaml.safe_load((ROOT / "bot" / endpoints).read_text())["action_endpoint"]
    assert action_endpoint["headers"] == {"Authorization": "Bearer ${GOVCHAT_ACTION_SERVER_TOKEN}"}
