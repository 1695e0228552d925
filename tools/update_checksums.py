"""Write ``data/SHA256SUMS``: the sha256 of every file the course ships in ``data/`` (all but
``README.md`` and the list itself), in ``sha256sum`` format. ``gan_course.shipped.verify``
checks each file against it before loading; ``tests/test_shipped.py`` checks that it matches
the files and ``data/README.md``. Run it from the repository root after rebuilding a file::

    python tools/update_checksums.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_course.shipped import MANIFEST, sha256_of  # noqa: E402

SKIPPED = {"README.md", MANIFEST}


def shipped_files(data_dir: Path) -> list[str]:
    """Every file under ``data_dir`` that ships, as sorted relative paths with /."""
    return sorted(p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*")
                  if p.is_file() and p.name not in SKIPPED and not p.name.startswith("."))


def main() -> None:
    data_dir = ROOT / "data"
    lines = [f"{sha256_of(data_dir / name)}  {name}" for name in shipped_files(data_dir)]
    (data_dir / MANIFEST).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {data_dir / MANIFEST} ({len(lines)} files), its own sha256 "
          f"{sha256_of(data_dir / MANIFEST)}: record both in data/README.md")


if __name__ == "__main__":
    main()
