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
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from gan_course import image_ops, settings

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


# --------------------------------------------------------------------------- weight files

def write_arrays_npz(path: str | Path, arrays: dict) -> Path:
    """Write ``{key: array}`` as an ``.npz`` that ``np.load(path, allow_pickle=False)`` reads:
    uncompressed, with fixed zip time stamps, so the same arrays always give the same file (and
    sha256). The shipped weight files are written this way."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0)),
                             buffer.getvalue())
    return path


def save_model_weights(path: str | Path, models: dict, record: dict) -> Path:
    """Write trained models as one ``.npz``: each model's weights as float16 arrays keyed
    ``<name>/0000`` ... in the model's weight order, plus ``record`` (JSON text: what the loader
    rebuilds the models from, the budget, the measured quality). float16 halves the size; the
    models compute in float32 after loading. Written atomically (a temporary file, then a
    rename), so an interrupted save never leaves half a file."""
    path = Path(path)
    arrays = {f"{name}/{i:04d}": np.asarray(weight, np.float16)
              for name, model in models.items() for i, weight in enumerate(model.get_weights())}
    arrays["record"] = np.array(json.dumps(record, sort_keys=True))
    temporary = path.with_name(path.name + ".partial.npz")
    write_arrays_npz(temporary, arrays)
    os.replace(temporary, path)
    return path


def load_model_weights(path: str | Path, build, fix: str) -> tuple[dict, dict]:
    """Read a :func:`save_model_weights` file: ``(models, record)``. ``build(record)`` returns
    ``{name: model}`` built as the record says, and each model gets its stored weights. A
    missing, damaged (:func:`verify`), unreadable or mismatched file raises an error that names
    it and ``fix`` (what to do, e.g. "retrain it with python tools/...")."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No weights at {path}: {fix}.")
    verify(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        record = json.loads(str(arrays.pop("record")))
        models = build(record)
    except Exception as error:
        raise ValueError(f"The weights {path} are unreadable or corrupt "
                         f"({type(error).__name__}: {error}): {fix}.") from error
    for name, model in models.items():
        weights = model.get_weights()
        stored = [arrays.pop(f"{name}/{i:04d}", None) for i in range(len(weights))]
        if any(s is None or s.shape != w.shape for s, w in zip(stored, weights, strict=True)):
            raise ValueError(f"The weights {path} do not match the {name} that this version of "
                             f"gan_course builds: {fix}.")
        model.set_weights([s.astype(np.float32) for s in stored])
    if arrays:
        raise ValueError(f"The weights {path} hold arrays no model takes "
                         f"({', '.join(sorted(arrays)[:3])} ...): {fix}.")
    return models, record


# --------------------------------------------------------------------------- output files


def images_digest(images) -> str:
    """sha256 of (N, H, W, 3) images, uint8 or floats in [0, 1], as uint8: which photos a
    file of shipped outputs belongs to."""
    checked = image_ops.check_images(images, "the content photos", value_range=image_ops.UNIT,
                                     channels=(3,))
    return hashlib.sha256(image_ops.to_uint8(checked, image_ops.UNIT).tobytes()).hexdigest()


def save_outputs(path: str | Path, outputs, contents, record: dict) -> Path:
    """Write a method's ``outputs`` (N, H, W, 3) in [0, 1] for ``contents`` as uint8, with the
    contents' :func:`images_digest` and ``record`` (JSON: how they were made). Atomic."""
    path = Path(path)
    temporary = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(temporary, outputs=image_ops.to_uint8(outputs, image_ops.UNIT),
                        contents_sha256=np.asarray(images_digest(contents)),
                        record=np.asarray(json.dumps(record)))
    os.replace(temporary, path)
    return path


def load_outputs(file_name: str, contents) -> tuple[np.ndarray, dict] | None:
    """The outputs in ``data/<file_name>`` (checked against SHA256SUMS) if they were made from
    exactly these ``contents``, else None: ``(float32 (N, H, W, 3) in [0, 1], record)``."""
    path = settings.data_dir() / file_name
    if not path.exists():
        return None
    verify(path)
    return read_outputs(path, contents)


def read_outputs(path: str | Path, contents) -> tuple[np.ndarray, dict] | None:
    """:func:`load_outputs` of any file from :func:`save_outputs`, unchecked."""
    with np.load(path, allow_pickle=False) as stored:
        if str(stored["contents_sha256"]) != images_digest(contents):
            return None
        record = json.loads(str(stored["record"])) if "record" in stored.files else {}
        return stored["outputs"].astype(np.float32) / 255.0, record
