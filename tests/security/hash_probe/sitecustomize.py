"""Put on a test server's PYTHONPATH: counts the Argon2 verifications that run at the same time
in that process and writes the highest count to $HASH_PROBE_FILE.

The verification itself is Argon2's own; only the count around it is added.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_PATH = os.environ.get("HASH_PROBE_FILE")

if _PATH:
    from pathlib import Path

    from argon2 import PasswordHasher

    _original = PasswordHasher.verify
    _lock = threading.Lock()
    _state = {"running": 0, "most": 0, "done": 0}

    def _report() -> None:
        # Whole or not at all: the test may read it at any moment.
        partial = Path(_PATH + ".partial")
        partial.write_text(f"{_state['most']} {_state['done']}")
        os.replace(partial, _PATH)

    def _counted_verify(self: PasswordHasher, hash: Any, password: Any) -> bool:
        with _lock:
            _state["running"] += 1
            _state["most"] = max(_state["most"], _state["running"])
        try:
            return _original(self, hash, password)
        finally:
            with _lock:
                _state["running"] -= 1
                _state["done"] += 1
                _report()

    PasswordHasher.verify = _counted_verify  # type: ignore[method-assign]
