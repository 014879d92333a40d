import os
import signal
import subprocess
import time
from pathlib import Path

from govchat.stack import group_members, prune_models


def test_only_the_newest_models_are_kept(tmp_path: Path) -> None:
    for age, name in enumerate(["newest", "second", "third", "fourth", "fifth"]):
        model = tmp_path / f"{name}.tar.gz"
        model.write_bytes(b"model")
        os.utime(model, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / "notes.txt").write_text("not a model")
    prune_models(tmp_path, keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newest.tar.gz", "notes.txt", "second.tar.gz", "third.tar.gz"]


def test_a_process_group_outlives_its_killed_leader_until_the_group_is_killed() -> None:
    """What the supervisor relies on to free a port: orphans keep the group, zombies do not count."""
    leader = subprocess.Popen(["sh", "-c", "sleep 60 & sleep 60 & wait"], start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while len(group_members(leader.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(leader.pid, signal.SIGKILL)
        leader.wait()
        assert len(group_members(leader.pid)) == 2  # the two orphaned sleeps
    finally:
        os.killpg(leader.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while group_members(leader.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_members(leader.pid) == []
