"""Stand-in job for the blocklint examples: logs its settings and writes the output parameter PARAM_1."""

import json
import os
from pathlib import Path


def main() -> None:
    settings = {
        "chunk_size": int(os.environ.get("CHUNK_SIZE", "1000")),
        "deployment_id": os.environ.get("PRESS_DEPLOYMENT_ID"),
    }
    print(json.dumps(settings))
    # workflow-private.yaml's step1 exposes this file as outputParameters.PARAM_1.
    Path("param_1.txt").write_text("some-value")


if __name__ == "__main__":
    main()
