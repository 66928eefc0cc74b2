"""Output folders a benchmark replaces are moved aside, not deleted, while it measures
(bench/run, bench/search): on this machine's ext4, creating files right after thousands
were deleted is several times slower, which would make the numbers depend on the order of
the runs. The trash is emptied when the script ends (and, left over from an interrupted
run, when it starts)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path


class Trash:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def discard(self, path: Path) -> None:
        """Moves path into the trash (same file system), if it exists."""
        if path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            self.count += 1
            path.rename(self.folder / f"{os.getpid()}-{self.count}-{path.name}")

    def empty(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
