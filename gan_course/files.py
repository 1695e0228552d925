"""Reading and writing files safely: atomic writes, whole-folder swaps, PNG bytes, downloads,
and a lock on a folder that one process writes (:class:`RunLock`).

Everything the package writes (checkpoints, results pages, exported generators, downloads) goes
through here, so a crash or a killed kernel leaves either the old file or the complete new one,
never half of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

from gan_course import settings
from gan_course.messages import short_error

#: Downloads larger than this are refused.
MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024
#: Seconds to wait for a server before giving up on a download.
DOWNLOAD_TIMEOUT = 30


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def generation_paths(path: Path, keep: int) -> list[Path]:
    """``path`` and its ``keep - 1`` older generations, newest first:
    ``gan_checkpoint.npz``, ``gan_checkpoint.1.npz``, ``gan_checkpoint.2.npz`` ..."""
    return [path] + [path.with_name(f"{path.stem}.{k}{path.suffix}") for k in range(1, keep)]


def atomic_write_bytes(path: Path, payload: bytes, keep: int = 1) -> None:
    """Write ``payload`` so that ``path`` is either the old file or the complete new one.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the file is
    renamed over ``path`` (``os.replace`` is atomic on POSIX and Windows). With ``keep`` > 1 the
    files it replaces are kept as older generations (:func:`generation_paths`), shifted just
    before the rename. The file gets the user's usual permissions (``0o666`` less the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600
        generations = generation_paths(path, keep)
        for older, newer in zip(generations[:0:-1], generations[-2::-1], strict=True):
            if newer.exists():
                os.replace(newer, older)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_folder(new: Path, path: Path) -> None:
    """Move the finished folder ``new`` to ``path``; a folder already at ``path`` is removed only
    once ``new`` is in its place, so a failure leaves one of the two whole."""
    if not path.exists():
        os.replace(new, path)
        return
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    os.replace(path, old)
    os.replace(new, path)
    shutil.rmtree(old, ignore_errors=True)


def png_bytes(picture: np.ndarray) -> bytes:
    """A uint8 picture, (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), as the bytes of a PNG file."""
    import imageio.v3 as iio

    return iio.imwrite("<bytes>", picture, extension=".png")


@contextlib.contextmanager
def download_timeout(seconds: float = DOWNLOAD_TIMEOUT):
    """Give up on a silent server after ``seconds`` inside this block.

    Keras' downloader (``keras.utils.get_file``: datasets, ``keras.applications`` weights) sets
    no timeout of its own, so without this a half-open connection could hang a lesson.
    """
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def download(url: str) -> bytes:
    """Fetch a URL into the course cache (``downloads/``, reused on later calls); its bytes.

    Refused offline (``GAN_COURSE_OFFLINE=1``) and above :data:`MAX_DOWNLOAD_BYTES`; a failed
    fetch raises ``ConnectionError`` saying how to pass a local file instead.
    """
    suffix = Path(urllib.parse.urlparse(url).path).suffix[:8]
    cached = settings.cache_dir("downloads") / (hashlib.sha256(url.encode()).hexdigest()[:24]
                                                + suffix)
    if cached.is_file() and cached.stat().st_size > 0:
        return cached.read_bytes()
    if settings.offline_mode():
        raise ConnectionError(f"Cannot fetch {url}: GAN_COURSE_OFFLINE=1. Download the file "
                              "on a machine with internet and pass its file path instead.")
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "gan-course"})
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
            raw = response.read(MAX_DOWNLOAD_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ConnectionError(
            f"Cannot fetch {url} ({short_error(error)}). If you are offline, download the file "
            "elsewhere and pass its path, or use the lesson's embedded default."
        ) from error
    if len(raw) > MAX_DOWNLOAD_BYTES:
        raise ValueError(f"{url} is larger than {MAX_DOWNLOAD_BYTES / 2**20:.0f} MiB; refused.")
    atomic_write_bytes(cached, raw)
    return raw


class RunLock:
    """One writer per run folder: a ``.lock`` file holding the owner's pid, host and start.

    ``acquire`` creates it, or takes it over when its owner is gone (a killed process on this
    host, or a lock not refreshed for ``stale_seconds`` from another host: a shared drive);
    a live owner is an error naming it. The owner refreshes the file on each save (``touch``)
    and removes it when training ends (``release``).
    """

    FILENAME = ".lock"

    def __init__(self, directory: Path, stale_seconds: float = 900.0):
        self.path = Path(directory) / self.FILENAME
        self.stale_seconds = stale_seconds
        self.held = False

    def _owner(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # half-written or damaged: judged by its age alone

    def _alive(self, owner: dict) -> bool:
        if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int):
            if owner["pid"] == os.getpid():
                return False  # this process's own lock (an earlier fit in this kernel)
            try:
                os.kill(owner["pid"], 0)
            except ProcessLookupError:
                return False
            except PermissionError:  # another user's live process
                return True
            return True
        try:
            age = time.time() - self.path.stat().st_mtime
        except FileNotFoundError:
            return False
        return age < self.stale_seconds

    def acquire(self) -> str | None:
        """Take the lock; returns a line to print when it took over a dead owner's lock."""
        if self.held and self.path.is_file():
            return None
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        took_over = None
        for _ in range(3):
            try:
                handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                owner = self._owner()
                if owner is None:
                    continue  # released meanwhile: try again
                if self._alive(owner):
                    raise RuntimeError(
                        f"Another process (pid {owner.get('pid')} on {owner.get('host')}, "
                        f"training since {owner.get('started')}) is writing checkpoints to "
                        f"{self.path.parent}. Two runs in one folder would overwrite each "
                        "other's progress: wait for it, stop it (then run this again), or "
                        "give this run another directory.") from None
                if owner.get("pid") != os.getpid() or owner.get("host") != me["host"]:
                    took_over = (f"took over the lock of a process that is gone (pid "
                                 f"{owner.get('pid')} on {owner.get('host')}) in "
                                 f"{self.path.parent}.")
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(handle, "w") as out:
                json.dump(me, out)
            self.held = True
            return took_over
        raise RuntimeError(f"Could not take the lock {self.path}: another process keeps "
                           "taking it. Give this run another directory.")

    def touch(self) -> None:
        if self.held:
            try:
                os.utime(self.path)
            except FileNotFoundError:  # removed by hand: take it again
                self.held = False
                self.acquire()

    def release(self) -> None:
        if self.held:
            owner = self._owner()
            if owner and owner.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False
