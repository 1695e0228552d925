"""The files the course ships in ``data/``, and the check that each is the file it shipped.

``data/SHA256SUMS`` lists every shipped file with its sha256, in ``sha256sum`` format
(``python tools/update_checksums.py`` rewrites it; ``sha256sum -c SHA256SUMS`` in ``data/``
checks it by hand). Every loader of a shipped file calls :func:`verify` first, so a damaged
file (a flipped byte, a truncated download, two weight columns swapped) is an error that says
so and how to restore it, not a model that loads and quietly gives wrong answers.

Hashing 30 MB takes a fraction of a second, and each result is remembered per file (by its
path, size and modification time) in this process and in the course cache
(``settings.cache_dir("checksums")``), so a file is hashed again only when it changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from gan_course import settings

MANIFEST = "SHA256SUMS"
_VERIFIED: dict[str, str] = {}  # "path|size|mtime_ns" -> sha256, this process


class DamagedFileError(ValueError):
    """A shipped file whose bytes are not the ones the course shipped."""


def sha256_of(path: str | Path) -> str:
    """The hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(data_dir: str | Path | None = None) -> dict[str, str]:
    """``{path relative to data/ (with /): sha256}`` from ``SHA256SUMS``; {} without one."""
    folder = Path(data_dir) if data_dir is not None else settings.data_dir()
    try:
        lines = (folder / MANIFEST).read_text().splitlines()
    except FileNotFoundError:
        return {}
    entries = {}
    for line in lines:
        if line.strip():
            digest, name = line.split(maxsplit=1)
            entries[name.lstrip("*").strip()] = digest.lower()
    return entries


def _restore_hint() -> str:
    return ("Restore it: in a checkout of the course, `git checkout data/`; in an installed "
            "package, reinstall it (pip install --force-reinstall --no-deps \"gan-course @ "
            "git+https://github.com/gan-course/gan-course\"); or set GAN_COURSE_DATA_DIR to a "
            "good copy.")


def _cache_file() -> Path | None:
    try:
        return settings.cache_dir("checksums") / "verified.json"
    except OSError:
        return None


def _read_cache() -> dict[str, str]:
    file = _cache_file()
    try:
        return json.loads(file.read_text()) if file is not None else {}
    except (OSError, ValueError):
        return {}


def _write_cache(entries: dict[str, str]) -> None:
    file = _cache_file()
    if file is None:
        return
    try:  # a cache that cannot be written only costs a hash next time
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({**_read_cache(), **entries}, sort_keys=True))
        os.replace(tmp, file)
    except OSError:
        pass


def verify(path: str | Path) -> None:
    """Check a shipped file, or every shipped file inside a shipped folder, against
    ``SHA256SUMS``; raise :class:`DamagedFileError` (a ``ValueError``) naming the file, both
    sums and the way to restore it. Files outside the data folder, or not listed (your own
    weights, a retrained model not yet recorded), are not checked."""
    root = settings.data_dir().resolve()
    path = Path(path).resolve()
    try:
        relative = path.relative_to(root).as_posix()
    except ValueError:
        return  # not a shipped file
    expected = {name: digest for name, digest in manifest(root).items()
                if name == relative or name.startswith(relative.rstrip("/") + "/")}
    cache, learned = None, {}
    for name, digest in sorted(expected.items()):
        file = root / name
        try:
            stat = file.stat()
        except FileNotFoundError:
            raise DamagedFileError(f"The shipped file {file} is missing. "
                                   f"{_restore_hint()}") from None
        key = f"{file}|{stat.st_size}|{stat.st_mtime_ns}"
        if _VERIFIED.get(key) == digest:
            continue
        if cache is None:
            cache = _read_cache()
        if cache.get(key) == digest:
            _VERIFIED[key] = digest
            continue
        actual = sha256_of(file)
        if actual != digest:
            raise DamagedFileError(
                f"The shipped file {file} is damaged: its sha256 is {actual[:16]}..., the "
                f"course shipped {digest[:16]}... ({root / MANIFEST}). {_restore_hint()}")
        _VERIFIED[key] = learned[key] = digest
    if learned:
        _write_cache(learned)
