"""The guide a request is for, read straight from its YAML file (no search model needed)."""

from __future__ import annotations

import logging
import re

from govchat.settings import get_settings
from knowledge.loader import read_guide_file
from knowledge.schema import Guide

logger = logging.getLogger(__name__)


def load_guide(guide_id: str | None) -> Guide | None:
    if not guide_id or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", guide_id):
        return None
    path = get_settings().guides_dir / f"{guide_id}.yaml"
    if not path.is_file():
        return None
    guide, errors = read_guide_file(path)
    if guide is None:
        logger.error("guide %s cannot be read: %s", guide_id, "; ".join(str(e) for e in errors))
    return guide


def material_lines(guide: Guide) -> list[str]:
    return [f"{n}. {material.line()}" for n, material in enumerate(guide.materials, start=1)]
