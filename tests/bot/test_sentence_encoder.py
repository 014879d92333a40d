"""The USE sentence featurizer of bot/config.yml, run in the Rasa environment (Python 3.10) where its imports live."""

import textwrap

import pytest

from tests.bot.rasa_env import run_in_rasa_env

pytestmark = pytest.mark.e2e

CHECK = textwrap.dedent(
    """
    import numpy as np
    from rasa.engine.graph import ExecutionContext
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from components.sentence_encoder import SentenceEncoderFeaturizer

    config = {**SentenceEncoderFeaturizer.get_default_config(), "alias": "use"}
    featurizer = SentenceEncoderFeaturizer.create(config, None, None, ExecutionContext(None, node_name="use"))

    def vector(message):
        seq, sent = message.get_dense_features("text", ["use"])
        assert seq is None, "sentence features only"
        return sent.features[0]

    texts = ["身份证丢了怎么补办", "身份证不见了要怎么重新办理", "今天天气怎么样"]
    training = TrainingData([Message(data={"text": t, "intent": "x"}) for t in texts] + [Message(data={"intent": "y"})])
    featurizer.process_training_data(training)
    examples = training.training_examples
    lost, reissue, weather = (vector(m) for m in examples[:3])
    assert lost.shape == (512,) and lost.dtype == np.float32
    assert abs(float(np.linalg.norm(lost)) - 1.0) < 1e-3
    assert float(lost @ reissue) > float(lost @ weather) + 0.1, (float(lost @ reissue), float(lost @ weather))
    assert examples[3].get_dense_features("text", ["use"]) == (None, None), "a message without text gets no vector"

    # Serving embeds one message at a time and must give the vector training saw.
    [served] = featurizer.process([Message(data={"text": texts[0]})])
    assert np.allclose(vector(served), lost, atol=1e-5)
    print("ok")
    """
)


def test_sentence_vectors_mean_what_the_sentence_means() -> None:
    run_in_rasa_env(CHECK)
