"""Signatures and AES against the sample values of WeChat's own message-encryption demo (WXBizMsgCrypt)."""

import base64
import hashlib
import time

import pytest
from wechatpy.crypto import PrpCrypto

from api.channels.wechat.crypto import PushCodec, parse_body, sha1_signature
from api.channels.wechat.exceptions import ForgedRequest, MalformedPush, StaleRequest

# From Tencent's WXBizMsgCrypt Python demo (Sample.py): a text message pushed in secure mode.
DEMO_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DEMO_TOKEN = "spamtest"
DEMO_APPID = "wx2c2769f8efd9abc2"
DEMO_TIMESTAMP = "1409735669"
DEMO_NONCE = "1320562132"
DEMO_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
DEMO_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9"
    "FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3y"
    "t+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v"
    "6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
# From Tencent's WXBizMsgCrypt Java demo test: fixed random prefix, known ciphertext.
JAVA_TOKEN, JAVA_APPID, JAVA_RANDOM = "pamtest", "wxb11529c136998cb6", "aaaabbbbccccdddd"
JAVA_PLAINTEXT = "我是中文abcd123"
JAVA_CIPHERTEXT = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="


def demo_codec(**overrides: object) -> PushCodec:
    options: dict = {"token": DEMO_TOKEN, "encoding_aes_key": DEMO_KEY, "appid": DEMO_APPID}
    options.update(overrides)
    return PushCodec(**options)


def test_demo_msg_signature_is_sha1_of_sorted_parts() -> None:
    assert sha1_signature(DEMO_TOKEN, DEMO_TIMESTAMP, DEMO_NONCE, DEMO_ENCRYPT) == DEMO_MSG_SIGNATURE


def test_demo_message_decrypts_to_the_documented_text_message() -> None:
    plaintext = demo_codec().decrypt(
        encrypt=DEMO_ENCRYPT, msg_signature=DEMO_MSG_SIGNATURE, timestamp=DEMO_TIMESTAMP, nonce=DEMO_NONCE
    )
    fmt, fields = parse_body(plaintext.encode())
    assert fmt == "xml"
    assert fields["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert fields["Content"] == "abcdteT"
    assert fields["MsgId"] == "6054768590064713728"


def test_encryption_matches_the_java_demo_vector() -> None:
    class FixedRandom(PrpCrypto):
        def get_random_string(self) -> str:
            return JAVA_RANDOM

    key = base64.b64decode(DEMO_KEY + "=")
    assert FixedRandom(key).encrypt(JAVA_PLAINTEXT, JAVA_APPID).decode() == JAVA_CIPHERTEXT
    codec = PushCodec(token=JAVA_TOKEN, encoding_aes_key=DEMO_KEY, appid=JAVA_APPID)
    signature = sha1_signature(JAVA_TOKEN, "1409304348", "xxxxxx", JAVA_CIPHERTEXT)
    assert codec.decrypt(encrypt=JAVA_CIPHERTEXT, msg_signature=signature, timestamp="1409304348",
                         nonce="xxxxxx") == JAVA_PLAINTEXT


def test_forged_signature_wrong_appid_and_tampered_ciphertext_are_rejected() -> None:
    with pytest.raises(ForgedRequest):
        demo_codec().decrypt(encrypt=DEMO_ENCRYPT, msg_signature="0" * 40, timestamp=DEMO_TIMESTAMP,
                             nonce=DEMO_NONCE)
    with pytest.raises(ForgedRequest):  # right signature, but encrypted for another mini-program
        demo_codec(appid="wx-another-app").decrypt(
            encrypt=DEMO_ENCRYPT, msg_signature=DEMO_MSG_SIGNATURE, timestamp=DEMO_TIMESTAMP, nonce=DEMO_NONCE
        )
    tampered = "A" + DEMO_ENCRYPT[1:]
    signature = sha1_signature(DEMO_TOKEN, DEMO_TIMESTAMP, DEMO_NONCE, tampered)
    with pytest.raises(ForgedRequest):
        demo_codec().decrypt(encrypt=tampered, msg_signature=signature, timestamp=DEMO_TIMESTAMP, nonce=DEMO_NONCE)


def test_url_signature_and_freshness() -> None:
    codec = demo_codec()
    now = time.time()
    ts = str(int(now))
    expected = hashlib.sha1("".join(sorted([DEMO_TOKEN, ts, "nonce1"])).encode()).hexdigest()
    codec.verify(signature=expected, timestamp=ts, nonce="nonce1", now=now)
    codec.verify(signature=expected.upper(), timestamp=ts, nonce="nonce1", now=now)
    with pytest.raises(ForgedRequest):
        codec.verify(signature=expected, timestamp=ts, nonce="nonce2", now=now)
    with pytest.raises(ForgedRequest):
        codec.verify(signature=None, timestamp=ts, nonce="nonce1", now=now)
    with pytest.raises(StaleRequest):  # a valid signature captured ten minutes ago is a replay
        codec.verify(signature=expected, timestamp=ts, nonce="nonce1", now=now + 600)
    with pytest.raises(ForgedRequest):
        codec.verify(signature=expected, timestamp="not-a-number", nonce="nonce1", now=now)


def test_round_trip_with_our_codec() -> None:
    codec = demo_codec()
    encrypt, signature = codec.encrypt('{"MsgType":"text","Content":"你好"}', nonce="n", timestamp="1700000000")
    assert codec.decrypt(encrypt=encrypt, msg_signature=signature, timestamp="1700000000", nonce="n") == (
        '{"MsgType":"text","Content":"你好"}'
    )


def test_bad_key_is_refused_at_configuration_time() -> None:
    with pytest.raises(ValueError):
        PushCodec(token="t", encoding_aes_key="too-short", appid="wx")


@pytest.mark.parametrize("raw", [
    b"", b"hello", b"<xml><unclosed></xml>", b"{not json", b"[1, 2]", b"<root/>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
    b"<xml>" + b"x" * 70_000 + b"</xml>",
])
def test_malformed_bodies_are_refused(raw: bytes) -> None:
    with pytest.raises(MalformedPush):
        parse_body(raw)
