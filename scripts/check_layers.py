#!/usr/bin/python3
"""Checks that modelwatch's dependencies only point down (docs/architecture.md, "Layers").

Usage: scripts/check_layers.py [ROOT]        (ROOT: the repository, default this script's parent)

The layer table is the one in docs/architecture.md under the heading "## Layers": every row
`| N | `folder` `folder/room` ... | ... |` puts the named units on layer N. A unit is a folder under
src/ (or a room, a sub-folder named in the table, e.g. `alerting/rules`); a file belongs to the
longest unit its path starts with. Reported, each as `file:line: reason`:

  - a folder under src/ with sources that is in no row of the table;
  - an include of a unit on the same or a higher layer (dependencies only point down);
  - an include of another unit's `detail/` header (private to its unit);
  - a library whose CMake DEPS (mw_library in CMakeLists.txt) differ from the units its sources
    include: a missing DEP links by accident through another library, an extra one is a dependency
    that the code does not have.

Exit status: 0 when nothing is reported, 1 when something is, 2 when the table or CMakeLists.txt
cannot be read. Only the standard library is used, so it runs on any python3.
"""

import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
ROW = re.compile(r"^\|\s*(\d+)\s*\|([^|]*)\|")
UNIT_NAME = re.compile(r"`([a-z0-9_]+(?:/[a-z0-9_]+)*)`")
LIBRARY = re.compile(r"mw_library\(\s*([a-z0-9_]+)((?:\s+[^()\s]+)*)\s*\)", re.S)
SOURCE_SUFFIXES = (".h", ".cc", ".cc.in")


def read_layers(architecture: Path) -> dict:
    """unit -> layer, from the table under "## Layers"."""
    layers, in_section = {}, False
    for line in architecture.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_section = line.strip() == "## Layers"
            continue
        match = ROW.match(line) if in_section else None
        if match:
            for unit in UNIT_NAME.findall(match.group(2)):
                if unit in layers:
                    raise ValueError(f"{architecture}: `{unit}` is in two rows of the layer table")
                layers[unit] = int(match.group(1))
    if not layers:
        raise ValueError(f'{architecture}: no layer table (rows "| N | `folder` ... |" under "## Layers")')
    return layers


def unit_of(path: str, units) -> str | None:
    """The longest unit that `path` (relative to src/) lies in."""
    best = None
    for unit in units:
        if (path == unit or path.startswith(unit + "/")) and (best is None or len(unit) > len(best)):
            best = unit
    return best


def read_libraries(cmake: Path) -> dict:
    """library name (e.g. "alerting_rules" for mw_library(alerting_rules)) -> (set of its mw_ DEPS,
    the line of its mw_library call)."""
    text = re.sub(r"#[^\n]*", "", cmake.read_text(encoding="utf-8"))
    libraries = {}
    for match in LIBRARY.finditer(text):
        words = match.group(2).split()
        deps = words[words.index("DEPS") + 1:] if "DEPS" in words else []
        line = text.count("\n", 0, match.start()) + 1
        libraries[match.group(1)] = ({d for d in deps if d.startswith("mw_")}, line)
    return libraries


def library_folder(name: str, units) -> str:
    """mw_library(alerting_rules) builds src/alerting/rules when that is a unit, else src/<name>."""
    for unit in units:
        if unit.replace("/", "_") == name:
            return unit
    return name


def sources(src: Path):
    for path in sorted(src.rglob("*")):
        if path.is_file() and path.name.endswith(SOURCE_SUFFIXES):
            yield path


def check(root: Path) -> list:
    src = root / "src"
    layers = read_layers(root / "docs" / "architecture.md")
    libraries = read_libraries(root / "CMakeLists.txt")
    problems = []
    included = {}  # unit -> set of units its sources include
    reported_folders = set()
    for path in sources(src):
        rel = path.relative_to(src).as_posix()
        unit = unit_of(rel, layers)
        if unit is None:
            folder = rel.split("/")[0]
            if folder not in reported_folders:
                reported_folders.add(folder)
                problems.append(f"src/{rel}:1: folder src/{folder}/ is in no row of the layer table "
                                "in docs/architecture.md")
            continue
        included.setdefault(unit, set())
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1)
            if "/" not in target or not (src / target.split("/")[0]).is_dir():
                continue  # a header beside the file, a generated one or a library's ("prometheus/...")
            target_unit = unit_of(target, layers)
            if target_unit is None:
                continue  # a folder in no row, reported once for its own files
            if target_unit == unit:
                continue
            if layers[target_unit] >= layers[unit]:
                problems.append(f"src/{rel}:{number}: {unit} (layer {layers[unit]}) includes \"{target}\" "
                                f"of {target_unit} (layer {layers[target_unit]}): dependencies only point down")
            inner = target[len(target_unit) + 1:]
            if inner.startswith("detail/") or "/detail/" in inner:
                problems.append(f"src/{rel}:{number}: includes \"{target}\", a detail/ header private "
                                f"to {target_unit}")
            included[unit].add(target_unit)
    for name, (deps, line) in sorted(libraries.items()):
        folder = library_folder(name, layers)
        if folder not in layers:
            problems.append(f"CMakeLists.txt:{line}: mw_library({name}) builds src/{folder}/, which is in no "
                            "row of the layer table")
            continue
        # A library folder holds its unit and the rooms below it that are not libraries of their own.
        owned = {u for u in layers if unit_of(u, [folder]) == folder and
                 (u == folder or u.replace("/", "_") not in libraries)}
        wanted = set()
        for unit in owned:
            for target in included.get(unit, ()):
                owner = target
                while owner.replace("/", "_") not in libraries and "/" in owner:
                    owner = owner.rsplit("/", 1)[0]
                if owner != folder:
                    wanted.add("mw_" + owner.replace("/", "_"))
        missing, extra = sorted(wanted - deps), sorted(deps - wanted)
        if missing:
            problems.append(f"CMakeLists.txt:{line}: mw_library({name}) DEPS lack {' '.join(missing)}, "
                            "which its sources include")
        if extra:
            problems.append(f"CMakeLists.txt:{line}: mw_library({name}) DEPS list {' '.join(extra)}, "
                            "which its sources do not include")
    return problems


def main(argv) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    try:
        problems = check(root)
    except (OSError, ValueError) as error:
        print(f"check_layers: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_layers: {len(problems)} problem(s); the layers are in docs/architecture.md",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
