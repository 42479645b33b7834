"""Run `blocklint ARGS...` with a pause injected inside the registry's spec-create transaction.

    python tests/registry_hold.py MARKER serve --port 8123 ...
    python tests/registry_hold.py MARKER submit examples/...

When a spec create has written its spec row and not yet its first release, the process touches
MARKER and sleeps, so a test can kill it there (`kill -9`) and check that the transaction left
nothing behind. The hook lives here, not in blocklint: it wraps `Specs._insert_release`, which
`create_spec` calls inside its transaction.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HOLD_SECONDS = 120


def hold_inside_spec_creates(marker: Path) -> None:
    from blocklint.registry.specs import Specs

    insert_release = Specs._insert_release

    def held(self, db, spec_id, seq, *args, **kwargs):
        if seq == 1:  # the first release: create_spec's transaction, the spec row already written
            marker.touch()
            time.sleep(HOLD_SECONDS)
        return insert_release(self, db, spec_id, seq, *args, **kwargs)

    Specs._insert_release = held


if __name__ == "__main__":
    hold_inside_spec_creates(Path(sys.argv[1]))
    sys.argv = ["blocklint", *sys.argv[2:]]
    from blocklint.cli import main

    main()
