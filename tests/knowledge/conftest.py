"""Fixtures: the fake embedder, a folder of small guides, and the real default embedder loaded once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.knowledge.factories import FakeEmbedder, sample_guides, write_guides

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def guides_dir(tmp_path: Path) -> Path:
    return write_guides(tmp_path / "guides", sample_guides())


@pytest.fixture(scope="session")
def e5_model() -> Any:
    from knowledge.embedders import load_embedder

    return load_embedder("e5")
