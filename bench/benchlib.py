"""What the benchmark scripts share (bench/run, bench/search): the pinned mdBook they compare
against, installed once into bench/.tools, and the trash for the outputs they replace."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TOOLS_DIR = BENCH / ".tools"
MDBOOK_VERSION = "0.5.4"
MDBOOK = TOOLS_DIR / "bin" / "mdbook"


def ensure_mdbook(log) -> Path:
    """Installs mdBook MDBOOK_VERSION into bench/.tools unless it is there already (several
    minutes, once), telling `log`; returns the binary."""
    if MDBOOK.exists():
        got = subprocess.run([str(MDBOOK), "--version"], capture_output=True, text=True)
        if got.stdout.strip() == f"mdbook v{MDBOOK_VERSION}":
            return MDBOOK
        log(f"{MDBOOK} is {got.stdout.strip()!r}, reinstalling {MDBOOK_VERSION}")
    log(f"installing mdBook {MDBOOK_VERSION} into {TOOLS_DIR} (several minutes, once)")
    argv = ["cargo", "install", "mdbook", "--version", MDBOOK_VERSION, "--locked",
            "--root", str(TOOLS_DIR)]
    log("$ " + " ".join(argv))
    subprocess.run(argv, check=True)
    return MDBOOK


class Trash:
    """Output folders a benchmark replaces are moved aside, not deleted, while it measures:
    on this machine's ext4, creating files right after thousands were deleted is several
    times slower, which would make the numbers depend on the order of the runs. The trash
    is emptied when the script ends (and, left over from an interrupted run, when it
    starts)."""

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
