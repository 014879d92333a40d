"""WeChat message-push signatures and the AES scheme, using wechatpy's implementation (cryptography underneath).

Signatures: SHA-1 over the sorted concatenation of token, timestamp, nonce (and, for ``msg_signature``, the
``Encrypt`` value). Secure mode: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = first 16 key bytes,
plaintext = 16 random bytes + 4-byte network-order length + message + appid, PKCS#7 padded to 32 bytes.
"""

import base64
import binascii
import hmac
import json
import time
from typing import Any

import xmltodict
from wechatpy.crypto import PrpCrypto
from wechatpy.utils import WeChatSigner

from api.channels.wechat.exceptions import ForgedRequest, MalformedPush, StaleRequest

MAX_BODY_BYTES = 64 * 1024


def sha1_signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    signature: str = signer.signature
    return signature


def _same(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.lower().encode())


class PushCodec:
    """Verifies, decrypts and encrypts message-push payloads for one mini-program."""

    def __init__(self, *, token: str, encoding_aes_key: str, appid: str, max_skew_seconds: int = 300) -> None:
        self.token = token
        self.appid = appid
        self.max_skew_seconds = max_skew_seconds
        self._key: bytes | None = None
        if encoding_aes_key:
            try:
                key = base64.b64decode(encoding_aes_key + "=", validate=True)
            except binascii.Error as exc:
                raise ValueError("EncodingAESKey is not valid base64") from exc
            if len(key) != 32:
                raise ValueError("EncodingAESKey must be 43 characters (32 bytes)")
            self._key = key

    @property
    def can_decrypt(self) -> bool:
        return self._key is not None

    def check_fresh(self, timestamp: str, *, now: float | None = None) -> None:
        try:
            sent = int(timestamp)
        except (TypeError, ValueError) as exc:
            raise ForgedRequest("时间戳无效。") from exc
        now = time.time() if now is None else now
        if abs(now - sent) > self.max_skew_seconds:
            raise StaleRequest("请求时间与服务器时间相差过大，已拒绝。")

    def verify(self, *, signature: str | None, timestamp: str, nonce: str, now: float | None = None) -> None:
        """The ``signature`` query parameter WeChat sends with every GET and POST."""
        if not _same(sha1_signature(self.token, timestamp, nonce), signature):
            raise ForgedRequest("签名校验失败。")
        self.check_fresh(timestamp, now=now)

    def decrypt(self, *, encrypt: str, msg_signature: str | None, timestamp: str, nonce: str) -> str:
        if self._key is None:
            raise MalformedPush("收到加密消息，但服务器未配置 EncodingAESKey。")
        if not _same(sha1_signature(self.token, timestamp, nonce, encrypt), msg_signature):
            raise ForgedRequest("消息签名校验失败。")
        try:
            plaintext: str = PrpCrypto(self._key).decrypt(encrypt, self.appid)
        except Exception as exc:  # wrong appid, bad padding, bad base64: all mean "not from our WeChat"
            raise ForgedRequest("消息解密失败。") from exc
        return plaintext

    def encrypt(self, plaintext: str, *, nonce: str, timestamp: str) -> tuple[str, str]:
        """(Encrypt, msg_signature): what WeChat sends in secure mode. Used by tests and for encrypted replies."""
        if self._key is None:
            raise ValueError("no EncodingAESKey configured")
        encrypt = PrpCrypto(self._key).encrypt(plaintext, self.appid).decode()
        return encrypt, sha1_signature(self.token, timestamp, nonce, encrypt)


def parse_body(raw: bytes) -> tuple[str, dict[str, Any]]:
    """("xml" | "json", fields). Anything else is a 400, never a 500."""
    if len(raw) > MAX_BODY_BYTES:
        raise MalformedPush("消息体过大。")
    text = raw.lstrip()
    if text.startswith(b"<"):
        return "xml", parse_xml(text)
    if text.startswith(b"{"):
        return "json", parse_json(text)
    raise MalformedPush("消息体既不是 XML 也不是 JSON。")


def parse_xml(raw: bytes | str) -> dict[str, Any]:
    data = raw.encode() if isinstance(raw, str) else raw
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise MalformedPush("不接受带 DOCTYPE 的 XML。")
    try:
        parsed = xmltodict.parse(data, disable_entities=True)
    except Exception as exc:  # expat errors, encoding errors
        raise MalformedPush("XML 格式不正确。") from exc
    root = parsed.get("xml") if isinstance(parsed, dict) else None
    if not isinstance(root, dict):
        raise MalformedPush("XML 缺少 <xml> 根元素。")
    return root


def parse_json(raw: bytes | str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedPush("JSON 格式不正确。") from exc
    if not isinstance(parsed, dict):
        raise MalformedPush("JSON 应为对象。")
    return parsed
