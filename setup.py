"""The optional native tree builder (`blocklint.load._native`, native/treebuilder.c on the libyaml
sources in native/libyaml/). Everything else about the package is in pyproject.toml.

A machine without a C compiler still installs blocklint: any failure to build the extension is
a warning, and the loader then runs its pure-Python path (same results, slower)."""

import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

LIBYAML = ["api.c", "reader.c", "scanner.c", "parser.c"]


class OptionalBuildExt(build_ext):
    """build_ext that turns every failure into a warning: the extension is a speed-up only."""

    def run(self):
        try:
            super().run()
        except Exception as error:  # noqa: BLE001 - no compiler, no headers, a failed compile: all optional
            self._warn(error)

    def build_extension(self, ext):
        if self.compiler.compiler_type == "unix":
            ext.extra_compile_args = [*ext.extra_compile_args, "-fvisibility=hidden"]
        try:
            super().build_extension(ext)
        except Exception as error:  # noqa: BLE001 - see run()
            self._warn(error)

    @staticmethod
    def _warn(error):
        print(f"WARNING: the native tree builder was not built ({type(error).__name__}: {error}); "
              "blocklint will use its pure-Python loader: same results, slower", file=sys.stderr)


setup(
    ext_modules=[Extension(
        "blocklint.load._native",
        sources=["native/treebuilder.c", *(f"native/libyaml/{name}" for name in LIBYAML)],
        include_dirs=["native/libyaml"],
        depends=["native/libyaml/yaml.h", "native/libyaml/yaml_private.h", "native/libyaml/config.h"],
        define_macros=[("YAML_DECLARE_STATIC", "1")],
        optional=True,
    )],
    cmdclass={"build_ext": OptionalBuildExt},
)
