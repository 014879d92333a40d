"""What staff see of a message: ID numbers, mobile numbers and names (from NLU entities) masked."""

from typing import Any

from govchat.pii import mask_id_number, mask_name, mask_phone, mask_text

_NAME_ENTITIES = {"name", "person", "person_name", "applicant_name", "citizen_name", "姓名"}
_ID_ENTITIES = {"id_number", "id_card", "身份证号"}
_PHONE_ENTITIES = {"phone", "mobile", "phone_number", "callback_phone", "手机号"}


def _mask_entity_value(kind: str, value: str) -> str | None:
    kind = kind.lower()
    if kind in _NAME_ENTITIES or kind.endswith("_name"):
        return mask_name(value)
    if kind in _ID_ENTITIES:
        return mask_id_number(value)
    if kind in _PHONE_ENTITIES or kind.endswith("_phone"):
        return mask_phone(value)
    return None


def mask_message(text: str, entities: list[Any] | None = None) -> str:
    """Names are only known where NLU extracted them; ID and phone numbers are found by pattern anywhere."""
    for entity in entities or []:
        if not isinstance(entity, dict):
            continue
        value = entity.get("value")
        if not isinstance(value, str) or not value:
            continue
        masked = _mask_entity_value(str(entity.get("entity", "")), value)
        if masked is not None:
            text = text.replace(value, masked)
    return mask_text(text)


def mask_entities(entities: list[Any] | None) -> list[Any] | None:
    if not entities:
        return entities
    out: list[Any] = []
    for entity in entities:
        if isinstance(entity, dict) and isinstance(entity.get("value"), str):
            masked = _mask_entity_value(str(entity.get("entity", "")), entity["value"])
            entity = {**entity, "value": masked if masked is not None else mask_text(entity["value"])}
        out.append(entity)
    return out


def mask_optional_phone(value: str | None) -> str | None:
    return mask_phone(value) if value else value
