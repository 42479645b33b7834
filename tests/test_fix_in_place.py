"""`check --fix` writes the fixed text into the file itself: the same inode, so its owner, mode
and hard links stay (a replacement file belonged to whoever ran the fix, and the file's other
names kept the old text); through a symbolic link, into the file it names."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from blocklint.fixing import write_in_place
from blocklint.plan import Overrides, Planner
from test_fix_model import FIXES, _check, _fix

FIXED = (FIXES / "BL101" / "parent.fixed.yaml").read_bytes()


@pytest.fixture
def spec(tmp_path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_bytes((FIXES / "BL101" / "parent.yaml").read_bytes())
    return path


def _fix_file(path: Path, project: Path):
    planner = Planner(Overrides(isolated=True), start=project)
    summary = _fix(_check([path], planner), planner)
    assert summary.fixed == 1 and summary.errors == []


def test_fix_keeps_the_inode_its_mode_and_its_hard_links(spec, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    other_name = tmp_path / "elsewhere" / "same.yaml"
    os.link(spec, other_name)
    spec.chmod(0o604)
    before = spec.stat()
    _fix_file(spec, tmp_path)
    after = spec.stat()
    assert spec.read_bytes() == FIXED and other_name.read_bytes() == FIXED
    assert (after.st_ino, after.st_nlink, after.st_uid, after.st_gid) == (
        before.st_ino, 2, before.st_uid, before.st_gid)
    assert stat.S_IMODE(after.st_mode) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "spec.yaml"]  # no temporary left


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_fix_keeps_another_users_file_theirs(spec, tmp_path):
    os.chown(spec, 4321, 4321)
    _fix_file(spec, tmp_path)
    assert (spec.stat().st_uid, spec.stat().st_gid) == (4321, 4321) and spec.read_bytes() == FIXED


def test_through_a_link_the_file_it_names_is_written_and_the_link_stays(spec, tmp_path):
    link = tmp_path / "link.yaml"
    link.symlink_to(spec.name)
    write_in_place(str(link), "shorter\n")
    assert link.is_symlink() and spec.read_text() == "shorter\n"


def test_a_fifo_put_in_place_of_the_file_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that opening it for writing does not fail at once
    try:
        with pytest.raises(OSError, match="not a regular file"):
            write_in_place(str(fifo), "x\n")
    finally:
        os.close(reader)
