"""Settings every tier shares."""

import os

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist's workers start with COLUMNS=80 and LINES=24 in their environment. A Rich
    # console made at import takes COLUMNS as its fixed width, so the CLI's tables would fold
    # at 80 columns in a worker whatever width a test asks for, and nowhere else.
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
