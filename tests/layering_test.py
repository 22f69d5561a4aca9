#!/usr/bin/env python3
"""Every #include of the project's own headers points down the layers.

The layer table is the one the build uses (build/layers.tsv, written by cmake/layers.cmake): a
layer, the directories or files it owns, and the layers it uses. A file may include headers of its
own layer and of the layers below it (what it uses, transitively). The build already fails on an
upward include; this test also catches one in a file that is not compiled in this configuration
(verify/ without libpq, a header no .cpp includes yet) and names the file and line.

Usage: layering_test.py LAYERS_TSV [SOURCE_DIR]
       layering_test.py --self-test LAYERS_TSV   (the check rejects a made-up upward include)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCE_SUFFIXES = (".cpp", ".h", ".def", ".inc")


def load_layers(table_path):
    owners, uses = {}, {}
    with open(table_path, encoding="utf-8") as table:
        for line in table:
            if line.startswith("#") or not line.strip():
                continue
            layer, paths, used = (line.rstrip("\n").split("\t") + ["", ""])[:3]
            for path in paths.split():
                owners[path] = layer
            uses[layer] = used.split()
    return owners, uses


def visible_layers(uses):
    """Each layer with the layers it may include: itself and everything below it."""
    seen = {}

    def below(layer):
        if layer not in seen:
            seen[layer] = {layer}
            for used in uses.get(layer, []):
                seen[layer] |= below(used)
        return seen[layer]

    return {layer: below(layer) for layer in uses}


def cycles(uses):
    """Layers that use themselves through others: a cycle would let each include the other."""
    def reaches(start, goal, seen):
        for used in uses.get(start, []):
            if used == goal or (used not in seen and reaches(used, goal, seen | {used})):
                return True
        return False
    return [f"layer {layer} uses itself through the layers it uses" for layer in uses if reaches(layer, layer, set())]


def owner_of(path, owners):
    """The layer owning a source path: the longest owned directory or file that contains it."""
    best = None
    for owned, layer in owners.items():
        if path == owned or path.startswith(owned + "/"):
            if best is None or len(owned) > len(best[0]):
                best = (owned, layer)
    return best[1] if best else None


def violations(source_dir, owners, visible):
    problems = []
    for top in sorted({path.split("/")[0] for path in owners}):
        for dirpath, _, files in os.walk(os.path.join(source_dir, top)):
            for name in sorted(files):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), source_dir)
                layer = owner_of(rel, owners)
                if layer is None:
                    problems.append(f"{rel}: belongs to no layer (add it to one in CMakeLists.txt)")
                    continue
                problems += file_violations(source_dir, rel, layer, owners, visible)
    return problems


def file_violations(source_dir, rel, layer, owners, visible):
    problems = []
    with open(os.path.join(source_dir, rel), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = owner_of(match.group(1), owners)
            if target is not None and target not in visible[layer]:
                problems.append(f"{rel}:{number}: layer {layer} includes \"{match.group(1)}\" of layer {target}, "
                                f"above it (it may use: {', '.join(sorted(visible[layer]))})")
    return problems


def self_test(table_path):
    """The check finds an upward include and accepts a downward one."""
    import tempfile
    owners, uses = load_layers(table_path)
    visible = visible_layers(uses)
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "parser"))
        with open(os.path.join(root, "parser", "x.cpp"), "w") as f:
            f.write('#include "parser/lexer.h"\n#include "engine/session.h"\n')
        found = file_violations(root, "parser/x.cpp", owner_of("parser/x.cpp", owners), owners, visible)
    expected = 'parser/x.cpp:2: layer parser includes "engine/session.h" of layer engine'
    if len(found) != 1 or not found[0].startswith(expected):
        print(f"self-test: expected one violation starting with {expected!r}, got {found}")
        return 1
    print("self-test: an upward include is reported with its file and line")
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) < 2:
        print(__doc__)
        return 2
    source_dir = argv[2] if len(argv) > 2 else os.getcwd()
    owners, uses = load_layers(argv[1])
    problems = cycles(uses) + violations(source_dir, owners, visible_layers(uses))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} include(s) against the layers (docs/architecture.md, \"Layers\")")
        return 1
    print(f"{len(uses)} layers, every #include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
