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


PAGEFIND_VERSION = "1.6.0"
PAGEFIND_DIR = TOOLS_DIR / "pagefind"
PAGEFIND = PAGEFIND_DIR / "node_modules" / ".bin" / "pagefind"


def ensure_pagefind(log) -> Path:
    """Installs Pagefind PAGEFIND_VERSION into bench/.tools/pagefind unless it is there;
    returns the binary. Pagefind is only for the benchmarks, so it is not in the test
    suite's lock file (npm cannot lock its per-platform optional packages for `npm ci`)."""
    if not PAGEFIND.exists():
        log(f"npm install pagefind@{PAGEFIND_VERSION} into {PAGEFIND_DIR}")
        subprocess.run(["npm", "install", "--no-save", "--no-package-lock", "--no-audit",
                        "--no-fund", "--prefix", str(PAGEFIND_DIR),
                        f"pagefind@{PAGEFIND_VERSION}"], check=True)
    return PAGEFIND


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


def book_for_mdbook(book: Path, folder: Path) -> Path:
    """A copy of `book` in `folder` that stock mdBook builds: book.toml without samsyn's own
    `[output.samsyn]` table (mdBook would look for an `mdbook-samsyn` renderer and build
    nothing else). Returns `book` itself when it has no such table."""
    toml = (book / "book.toml").read_text(encoding="utf-8")
    if "[output.samsyn]" not in toml:
        return book
    kept, skipping = [], False
    for line in toml.splitlines(keepends=True):
        if line.strip().startswith("["):
            skipping = line.strip() == "[output.samsyn]"
        if not skipping:
            kept.append(line)
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(book, folder)
    (folder / "book.toml").write_text("".join(kept), encoding="utf-8")
    return folder
