"""Ralph's LRS API with its file-system backend, run by Ralph's own Python (see
tests/coursework/lrs_server.py): `python serve.py HOST PORT`, configured by RALPH_*
variables as `ralph runserver -b fs` would be.

One difference: Ralph 5.1's file-system backend creates its file on the first write and
refuses every later one ("already exists and overwrite is not allowed"), so statements
are appended instead; everything else (authentication, validation, duplicate ids) is
Ralph's own code.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402  (after the backend is set to append)

if __name__ == "__main__":
    uvicorn.run(app, host=sys.argv[1], port=int(sys.argv[2]), log_level="info")
