#!/usr/bin/env python3
"""Write README.md from nbs/index.ipynb (the one source of its text), or check that it is up to date.

Quarto cannot be installed here, so nbdev's own `nbdev-readme` cannot run; this does the same job with
nbconvert: markdown cells as they are, code cells as ```python blocks, cells marked `#| hide` left out.
Usage: python tools/make_readme.py [--check]
"""
import sys
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter
from nbconvert.preprocessors import Preprocessor

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n"

class DropDirectives(Preprocessor):
    "Drop `#| hide` cells and the `#|` directive lines of the others."
    def preprocess(self, nb, resources):
        cells = []
        for c in nb.cells:
            lines = c.source.splitlines()
            if c.cell_type == 'code' and any(l.strip().replace(' ', '') in ('#|hide', '#|export', '#|exporti') for l in lines): continue
            c.source = '\n'.join(l for l in lines if not l.startswith('#|'))
            cells.append(c)
        nb.cells = cells
        return nb, resources

def render() -> str:
    nb = nbformat.read(ROOT/'nbs'/'index.ipynb', as_version=4)
    exporter = MarkdownExporter(); exporter.register_preprocessor(DropDirectives, enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    return HEADER + body.strip() + '\n'

if __name__ == '__main__':
    text, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text:
            sys.exit("README.md is not what nbs/index.ipynb generates: run `python tools/make_readme.py` and commit.")
        print("README.md is up to date with nbs/index.ipynb.")
    else:
        readme.write_text(text); print(f"wrote {readme}")
