import os
from pathlib import Path

from govchat.stack import prune_models


def test_only_the_newest_models_are_kept(tmp_path: Path) -> None:
    for age, name in enumerate(["newest", "second", "third", "fourth", "fifth"]):
        model = tmp_path / f"{name}.tar.gz"
        model.write_bytes(b"model")
        os.utime(model, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / "notes.txt").write_text("not a model")
    prune_models(tmp_path, keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newest.tar.gz", "notes.txt", "second.tar.gz", "third.tar.gz"]
