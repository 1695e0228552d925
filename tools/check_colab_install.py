"""Would installing the course change a package that Colab's runtime already has?

Two checks, one per way of asking:

- ``resolve``: ``pip install --dry-run --report`` of the project, resolved from scratch with
  every version that Colab's package list pins (``.ci/colab/pip-freeze-gpu.txt``) as a
  constraint. If that has no solution, the install cell would have to change something Colab
  has; pip's message names it. If it has one, the report lists what the cell adds.
- ``compare``: two ``pip freeze`` files from before and after a real install (``make
  test-colab``); every package of the first must keep its version in the second.

Usage::

    python tools/check_colab_install.py resolve [--project .] [--freeze FILE]
    python tools/check_colab_install.py compare BEFORE AFTER [--protect .ci/colab.txt]

Exit status 0 when nothing Colab has would change, 1 when something would, with the reason.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FREEZE = REPO / ".ci" / "colab" / "pip-freeze-gpu.txt"
#: Colab's own Python: the dry run checks wheels and ``requires-python`` for it.
COLAB_PYTHON = "3.13"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")
_NETWORK = ("Could not fetch URL", "NewConnectionError", "Temporary failure in name resolution",
            "Network is unreachable", "Max retries exceeded")


def canonical(name: str) -> str:
    """PEP 503's normal form: lower case, runs of -_. as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    """{canonical name: version} of the ``name==version`` lines of a freeze or constraints file
    (lines such as ``name @ url`` pin no version pip can be held to, and are left out)."""
    found = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[canonical(match.group(1))] = match.group(2)
    return found


@dataclass
class Outcome:
    ok: bool
    message: str
    added: dict[str, str] = field(default_factory=dict)  # what the install brings, not in Colab


class NetworkError(RuntimeError):
    """pip could not reach the package index: nothing was checked."""


def resolve(project: Path = REPO, freeze: Path = FREEZE, python: str = sys.executable,
            python_version: str = COLAB_PYTHON) -> Outcome:
    """Resolve ``project``'s install against Colab's pinned versions (see the module doc)."""
    colab = pins(freeze.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "colab-constraints.txt"
        constraints.write_text("".join(f"{name}=={version}\n" for name, version in colab.items()))
        report = Path(tmp) / "report.json"
        done = subprocess.run(
            [python, "-m", "pip", "install", "--dry-run", "--ignore-installed",
             "--disable-pip-version-check", "--report", str(report), "-c", str(constraints),
             "--python-version", python_version, "--only-binary=:all:", str(project)],
            capture_output=True, text=True)
        if done.returncode != 0:
            text = done.stderr + done.stdout
            if any(marker in text for marker in _NETWORK) and "ResolutionImpossible" not in text:
                raise NetworkError(text[-2000:])
            return Outcome(False, "pip finds no install that keeps Colab's versions:\n"
                           + _conflict(text))
        installed = {canonical(item["metadata"]["name"]): item["metadata"]["version"]
                     for item in json.loads(report.read_text())["install"]}
    changed = {name: (colab[name], version) for name, version in installed.items()
               if name in colab and colab[name] != version}
    if changed:
        return Outcome(False, "the install would change " + ", ".join(
            f"{name} {old} -> {new}" for name, (old, new) in sorted(changed.items())))
    project_name = canonical(_project_name(project))
    added = {name: version for name, version in installed.items()
             if name not in colab and name != project_name}
    return Outcome(True, f"keeps every version Colab pins ({len(colab)} packages); adds "
                   + (", ".join(f"{n} {v}" for n, v in sorted(added.items())) or "nothing else"),
                   added)


def _conflict(text: str) -> str:
    """pip's explanation of a failed resolution ("The conflict is caused by: ...") and its
    errors, without the progress lines."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "conflict is caused by" in line), None)
    kept = lines[start:] if start is not None else [
        line for line in lines if line.startswith("ERROR")]
    return "\n".join(line for line in kept if line.strip() and "WARNING: Location" not in line)


def _project_name(project: Path) -> str:
    match = re.search(r'^name\s*=\s*"([^"]+)"', (project / "pyproject.toml").read_text(), re.M)
    return match.group(1) if match else ""


def compare(before: str, after: str, protect: dict[str, str] | None = None) -> Outcome:
    """Every package of the ``before`` freeze keeps its version in ``after``; with ``protect``
    ({name: version}), those must also be present at exactly that version."""
    old, new = pins(before), pins(after)
    problems = [f"{name} {version} -> {new.get(name, 'removed')}"
                for name, version in sorted(old.items()) if new.get(name) != version]
    for name, version in sorted((protect or {}).items()):
        if new.get(name) != version:
            problems.append(f"{name}: Colab has {version}, the environment {new.get(name)}")
    if problems:
        return Outcome(False, "the install changed what Colab has: " + "; ".join(problems))
    added = {name: version for name, version in new.items() if name not in old}
    return Outcome(True, f"kept all {len(old)} packages; added "
                   + (", ".join(f"{n} {v}" for n, v in sorted(added.items())) or "nothing"),
                   added)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dry = commands.add_parser("resolve", help="pip's dry run against Colab's package list")
    dry.add_argument("--project", type=Path, default=REPO)
    dry.add_argument("--freeze", type=Path, default=FREEZE)
    real = commands.add_parser("compare", help="two pip freeze files, before and after")
    real.add_argument("before", type=Path)
    real.add_argument("after", type=Path)
    real.add_argument("--protect", type=Path, default=None,
                      help="a constraints file whose pins must hold after the install")
    args = parser.parse_args(argv)
    if args.command == "resolve":
        outcome = resolve(args.project, args.freeze)
    else:
        protect = pins(args.protect.read_text()) if args.protect else None
        outcome = compare(args.before.read_text(), args.after.read_text(), protect)
    print(f"[colab] {'ok' if outcome.ok else 'FAILED'}: {outcome.message}")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
