from typing import Any

from pydantic import BaseModel, Field, field_validator


class LoginRequest(BaseModel):
    code: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")


class LoginResponse(BaseModel):
    """Never contains WeChat's session_key."""

    token: str
    expires_in: int
    session_id: str


class MiniProgramChatRequest(BaseModel):
    text: str  # the length limit is checked in api.chat.service, which names it


class InboundMessage(BaseModel):
    """A pushed message or event, the same fields in XML and JSON."""

    to_user: str = Field(default="", alias="ToUserName")
    from_user: str = Field(alias="FromUserName", min_length=1, max_length=128)
    create_time: int = Field(alias="CreateTime")
    msg_type: str = Field(alias="MsgType", min_length=1, max_length=32)
    content: str | None = Field(default=None, alias="Content")
    msg_id: str | None = Field(default=None, alias="MsgId")
    event: str | None = Field(default=None, alias="Event")
    session_from: str | None = Field(default=None, alias="SessionFrom")

    @field_validator("msg_id", mode="before")
    @classmethod
    def _msg_id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    def dedupe_key(self) -> str:
        if self.msg_id:
            return f"id:{self.msg_id}"
        return f"ev:{self.from_user}:{self.create_time}:{self.event or self.msg_type}"
