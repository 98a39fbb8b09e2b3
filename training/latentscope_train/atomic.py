"""Writing a file that readers see whole or not at all: the content goes to a temporary
file in the same folder, is fsynced, and is renamed over the target; on any error the
temporary file is removed and the old file stays. Every file the pipeline writes
(checkpoints, exported models, direction sets, caches, figures, reports) goes through here."""
from __future__ import annotations

import os
import tempfile
from typing import Callable


def write_atomically(path: str, write: Callable[[str], None], *, suffix: str = "", mode: int = 0o644) -> None:
    """Call `write(tmp)` to put the content at a temporary path, then move it over `path`.

    `suffix` ends the temporary name where the writer goes by it (np.save and np.savez
    append their extension otherwise; PIL and matplotlib pick the format from it). `mode`:
    mkstemp creates 0600, and what we ship or share is world-readable."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.tmp-{os.getpid()}-", suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(path: str, text: str) -> None:
    """`text` as UTF-8, written atomically (line endings as given)."""
    def write(tmp):
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    write_atomically(path, write)


def write_bytes(path: str, data: bytes) -> None:
    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(data)
    write_atomically(path, write)
