"""The project a file belongs to bounds what it can make blocklint read: with no configuration
file, includes never reach outside the spec's git work tree (or its own folder), whatever the
working directory, and never the file system's root or the home directory."""

from __future__ import annotations

import pytest

from blocklint.project_root import project_root

INCLUDING = "body:\n  kind: workflow\n  metadata:\n    name: x\n    description: |\n      {{% include '{}' %}}\n"


def test_the_configuration_folder_is_the_project(tmp_path):
    (tmp_path / "specs").mkdir()
    (tmp_path / ".git").mkdir()
    assert project_root(tmp_path / "specs" / "a.yaml", tmp_path / "specs" / ".blocklint.toml") == tmp_path / "specs"


def test_else_the_git_work_tree_else_the_files_own_folder(tmp_path):
    (tmp_path / "repo" / "specs").mkdir(parents=True)
    (tmp_path / "repo" / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    (tmp_path / "loose").mkdir()
    assert project_root(tmp_path / "repo" / "specs" / "a.yaml") == tmp_path / "repo"
    assert project_root(tmp_path / "loose" / "a.yaml") == tmp_path / "loose"


def test_never_the_root_or_the_home_directory(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "proj").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert project_root("/spec.yaml") is None
    assert project_root(home / "spec.yaml") is None
    assert project_root(home / "spec.yaml", home / ".blocklint.toml") is None
    assert project_root(home / "proj" / "spec.yaml") == home / "proj"
    (home / ".git").mkdir()  # a home directory kept in git (dotfiles) is still not a project
    assert project_root(home / "proj" / "spec.yaml") == home / "proj"
    monkeypatch.chdir("/")
    assert project_root(None) is None


def test_run_from_the_root_an_include_cannot_read_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOY_PASSWORD", "hunter2-deploy-secret")
    (tmp_path / "spec.yaml.j2").write_text(INCLUDING.format("/proc/self/environ"))
    code, output = run("check", "--format", "concise", str(tmp_path / "spec.yaml.j2"), cwd="/")
    assert "BL007" in output and "outside" in output
    assert "hunter2-deploy-secret" not in output


@pytest.mark.parametrize("git_home", [False, True])
def test_run_from_home_an_include_cannot_read_the_home_directory(run, tmp_path, monkeypatch, git_home):
    home = tmp_path / "home"
    (home / "proj").mkdir(parents=True)
    (home / ".netrc").write_text("machine example.com login me password netrc-secret-value\n")
    if git_home:
        (home / ".git").mkdir()
    monkeypatch.setenv("HOME", str(home))
    (home / "proj" / "spec.yaml.j2").write_text(INCLUDING.format(".netrc"))
    code, output = run("check", "--format", "concise", "proj/spec.yaml.j2", cwd=home)
    assert "BL007" in output and "outside" in output
    assert "netrc-secret-value" not in output


def test_a_spec_in_the_home_directory_itself_includes_nothing(run, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "part.yaml").write_text("x\n")
    monkeypatch.setenv("HOME", str(home))
    (home / "spec.yaml.j2").write_text(INCLUDING.format("part.yaml"))
    code, output = run("check", "--format", "concise", "spec.yaml.j2", cwd=home)
    assert "BL007" in output and "not in a project" in output


def test_includes_inside_the_project_still_work(run, tmp_path):
    (tmp_path / "repo" / "specs").mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir()
    (tmp_path / "repo" / "shared.txt").write_text("shared text\n")
    (tmp_path / "repo" / "specs" / "spec.yaml.j2").write_text(INCLUDING.format("../shared.txt"))
    code, output = run("check", "--format", "concise", "--select", "BL007", "specs/spec.yaml.j2", cwd=tmp_path / "repo")
    assert "BL007" not in output, output


def test_without_git_or_configuration_the_working_directory_holds_the_project(run, tmp_path):
    """An unpacked archive of a project has no `.git`: checked from its top, its includes reach
    its other folders; checked from inside one folder, they stay in it."""
    (tmp_path / "fragments").mkdir()
    (tmp_path / "fragments" / "text.yaml").write_text("an included description\n")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "spec.yaml.j2").write_text(INCLUDING.format("../fragments/text.yaml"))
    code, output = run("check", "--format", "concise", "--select", "BL007", "specs", cwd=tmp_path)
    assert "BL007" not in output, output
    code, output = run("check", "--format", "concise", "--select", "BL007", ".", cwd=tmp_path / "specs")
    assert "BL007" in output and "outside" in output
