"""Build the measurement prototype in place: `python benchmarks/prototype/build.py`.

Compiles treebuilder.c against this Python's headers and the system libyaml (`-lyaml`, headers
in /usr/include/yaml.h: Debian's libyaml-dev) into treebuilder<EXT_SUFFIX> next to this file.
Not part of blocklint: nothing installs it and CI does not build it.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    source = HERE / "treebuilder.c"
    target = HERE / ("treebuilder" + sysconfig.get_config_var("EXT_SUFFIX"))
    command = [sysconfig.get_config_var("CC").split()[0] or "cc", "-O2", "-shared", "-fPIC", "-Wall",
               f"-I{sysconfig.get_paths()['include']}", str(source), "-o", str(target), "-lyaml"]
    print(" ".join(command))
    done = subprocess.run(command, check=False)
    if done.returncode == 0:
        print(f"built {target}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
