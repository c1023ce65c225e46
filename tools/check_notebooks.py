#!/usr/bin/env python3
"""Check the notebooks' markdown as a reader meets it; exit 1 naming each notebook and cell at fault.

The check: no markdown cell written as commented-out code, i.e. a cell of more than one non-blank line
whose every line starts with `#` (JupyterLab and every renderer show that as a wall of top-level headings).
A one-line heading cell such as `## Results` is fine.
Usage: python tools/check_notebooks.py [NB_OR_FOLDER ...]   (default: every notebook under nbs/)
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def notebooks(args: list[str]) -> list[Path]:
    "The notebooks named in `args` (files or folders), or every notebook under nbs/ (checkpoints skipped)."
    paths = [Path(a) for a in args] or [ROOT/'nbs']
    found = []
    for p in paths:
        if p.is_dir(): found += sorted(f for f in p.rglob('*.ipynb') if '.ipynb_checkpoints' not in f.parts)
        elif p.suffix == '.ipynb' and p.is_file(): found.append(p)
        else: sys.exit(f"check_notebooks: {p} is neither a notebook (.ipynb) nor a folder")
    return found

def hash_cells(nb_path: Path) -> list[str]:
    "One message per markdown cell of `nb_path` whose non-blank lines (more than one) all start with `#`."
    try: nb = json.loads(nb_path.read_text(encoding='utf-8'))
    except (OSError, ValueError) as e: return [f"{nb_path}: cannot be read as a notebook (JSON): {e}"]
    problems = []
    for i, cell in enumerate(nb.get('cells', [])):
        if cell.get('cell_type') != 'markdown': continue
        src = cell.get('source', '')
        src = ''.join(src) if isinstance(src, list) else src
        lines = [l for l in src.splitlines() if l.strip()]
        if len(lines) > 1 and all(l.lstrip().startswith('#') for l in lines):
            first = lines[0][:60]
            problems.append(f"{nb_path}: markdown cell {i} (id {cell.get('id', '?')}) has {len(lines)} lines that all "
                            f"start with '#' (first: {first!r}); write prose as plain markdown, keep '#' for headings")
    return problems

def main(args: list[str]) -> int:
    nbs = notebooks(args)
    problems = [p for nb in nbs for p in hash_cells(nb)]
    for p in problems: print(p)
    bad = len({p.split(': ', 1)[0] for p in problems})
    print(f"check_notebooks: {len(nbs)} notebooks, {len(problems)} markdown cells written as '#' lines in {bad} notebooks")
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
