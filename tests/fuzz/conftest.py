"""Generated API input is its own CI step (`make fuzz`): collected only with `-m fuzz`,
since building its cases takes a while and `make test` should not pay for it."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.suffix == ".py" and config.option.markexpr != "fuzz":
        return True
    return None
