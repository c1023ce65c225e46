#!/usr/bin/env python3
"""Build the documentation site from the notebooks into `_docs/`, offline: nbdev's processing, then Sphinx + MyST-NB.

Quarto cannot be installed here, so `nbdev-docs` cannot run. This does its job in two steps:
1. each notebook goes through nbdev's own docs processors (`nbdev.processors.FilterDefaults`, what
   `nbdev-proc-nbs` runs): `#| hide` and `#| export` cells are removed from view, a `show_doc` cell is
   added and executed after each exported definition (the API reference), and backticked names become
   links. The Quarto-only cell options that nbdev leaves (`#| echo: false`, ...) become MyST-NB cell tags.
2. Sphinx with MyST-NB (pip, in the `dev` extra) renders the processed notebooks, with their stored
   outputs and without executing them again, into a static site with the Furo theme: a page per notebook
   named as nbdev names it (`00_core.ipynb` -> `core.html`), navigation in learning-path order (file
   name order), full-text search, math, tables and the images stored in outputs.

Each page also gets a plain-markdown copy beside it (`core.html.md`, as nbdev's Quarto build makes for
`llms.txt`): that is the page the `Docs:` line of each module's docstring names.

Pages: `nbs/index.ipynb` first, then `nbs/*.ipynb`, `nbs/tutorials/*.ipynb` and the `nbs/course/`
notebooks that hold no nbgrader solution (publishing a solution would give the assignment away), each
group in file-name order, plus the markdown files the notebooks link to (the learning path, the data
and course READMEs). Nothing is hard-coded: a new or renamed notebook is picked up by its file name.

Usage: python tools/build_docs.py [--out _docs] [--nbs nbs] [--only NAME ...] [--keep-proc]
"""
import argparse, json, os, re, shutil, subprocess, sys, time, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_MARKS = ('### BEGIN SOLUTION', '### BEGIN HIDDEN TESTS')

def page_name(rel: Path) -> Path:
    "nbdev's page path for a notebook path relative to nbs/: numeric prefix dropped, lower case, no suffix."
    return rel.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', rel.name.lower())).with_suffix('')

def has_solution(nb_path: Path) -> bool:
    text = nb_path.read_text(encoding='utf-8')
    return any(m in text for m in SOLUTION_MARKS)

def discover(nbs: Path, only=()) -> dict[str, list[Path]]:
    "The notebooks of the site by section, each in file-name order (= the learning path)."
    def keep(p): return not only or p.name in only or p.stem in only
    lessons = sorted(p for p in nbs.glob('*.ipynb') if p.name != 'index.ipynb')
    sections = {'Lessons': lessons,
                'Tutorials': sorted(nbs.glob('tutorials/*.ipynb')),
                'Course (no solutions)': sorted(p for p in nbs.glob('course/*.ipynb') if not has_solution(p))}
    sections = {k: [p for p in v if keep(p)] for k, v in sections.items()}
    if not (nbs/'index.ipynb').exists(): sys.exit(f"build_docs: {nbs/'index.ipynb'} is missing: it is the home page")
    return {'': [nbs/'index.ipynb'], **{k: v for k, v in sections.items() if v}}

# ---------- step 1: nbdev's processing, then Quarto cell options -> MyST-NB tags ----------
_re_opt = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_re_pandoc_attr = re.compile(r'\{target="_blank"[^}]*\}')
_re_sd_heading = re.compile(r'^(#{2,4}) (\S+)\s*$', re.M)

class Linker:
    "Rewrites links in a page: the configured docs URL and relative links to repo files become site-relative."
    def __init__(self, nbs: Path, pages: dict[Path, Path], extra: dict[Path, Path]):
        from nbdev.config import get_config
        cfg = get_config()
        self.doc_url = (cfg.doc_host.rstrip('/') + cfg.doc_baseurl.rstrip('/') + '/') if cfg.doc_host else None
        self.nbs, self.pages, self.extra = nbs, pages, extra   # source path (resolved) -> page path (no suffix)

    def target(self, src: Path, base: Path) -> Path | None:
        p = (base/src).resolve()
        if p in self.pages: return self.pages[p]
        if p.suffix == '.md' and p.is_file():
            if p not in self.extra:
                try: rel = p.relative_to(self.nbs.resolve())
                except ValueError: rel = Path('repo')/p.relative_to(ROOT)
                self.extra[p] = rel.with_suffix('')
            return self.extra[p]
        return None

    def __call__(self, text: str, page: Path, base: Path) -> str:
        up = '../' * (len(page.parts) - 1)
        if self.doc_url: text = text.replace(self.doc_url, up)
        def fix(m):
            label, href = m.group(1), m.group(2)
            if re.match(r'^[a-z]+:|^#|^/', href): return m.group(0)
            path, _, anchor = href.partition('#')
            t = self.target(Path(path), base)
            if t is None: return m.group(0)
            return f'[{label}]({up}{t.as_posix()}.html{"#" + anchor if anchor else ""})'
        return re.sub(r'\[([^\]]*)\]\(([^)\s]+)\)', fix, text)

def myst_cell(cell, linker, page, base):
    "One processed nbdev cell as an nbformat cell for MyST-NB, or None to drop it."
    src = cell.source or ''
    if cell.cell_type == 'markdown':
        if src.startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): return None
        return {'cell_type': 'markdown', 'metadata': {}, 'source': linker(src, page, base)}
    if cell.cell_type != 'code': return None
    opts, lines = {}, src.splitlines()
    while lines and (m := _re_opt.match(lines[0])): opts[m.group(1)] = m.group(2).strip('"\''); lines.pop(0)
    tags = []
    if opts.get('include') == 'false': return None
    if opts.get('echo') == 'false': tags.append('remove-input')
    if opts.get('output') == 'false': tags.append('remove-output')
    if 'code-fold' in opts: tags.append('hide-input')
    outputs = []
    for o in cell.get('outputs', []):
        o = json.loads(json.dumps(o))   # a plain dict copy
        md = o.get('data', {}).get('text/markdown')
        if md is not None:
            md = ''.join(md) if isinstance(md, list) else md
            md = _re_pandoc_attr.sub('', md)
            md = re.sub(r'^\s*---\s*\n', '', md)   # show_doc's leading rule: a transition docutils rejects inside a cell
            # an anchor per documented name, named as nbdev's links name it (`core.html#default_device`)
            md = _re_sd_heading.sub(lambda m: f'<span id="{m.group(2).lower()}"></span>\n\n{m.group(1)} {m.group(2)}', md, count=1)
            o['data']['text/markdown'] = linker(md, page, base)
        outputs.append(o)
    return {'cell_type': 'code', 'execution_count': None, 'metadata': {'tags': tags} if tags else {},
            'source': '\n'.join(lines), 'outputs': outputs}

def _filter():
    "nbdev's `FilterDefaults`, except that a cell mixing imports with other code runs only its imports."
    import ast
    from nbdev import processors as P
    class exec_show_docs(P.exec_show_docs):
        # nbdev runs such a cell whole to get its imports (its FAQ: keep imports in their own cells), which
        # fails when the rest needs a lesson variable that was never run; running the imports alone is enough
        # for show_doc, and the cell's stored outputs stay as they are
        def __call__(self, cell):
            trees = cell.parsed_() if cell.cell_type == 'code' and cell.source else None
            mixed = (trees and P._do_eval(cell) and not cell.directives_.keys() & {'export', 'exports', 'exporti', 'exec_doc'}
                     and not P._show_docs(trees) and not all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in trees))
            if not mixed: return super().__call__(cell)
            imports = [ast.unparse(t) for t in trees if isinstance(t, (ast.Import, ast.ImportFrom))]
            if imports and self.nb.has_docs_ and hasattr(self, 'k'):
                self.k.run_cell('\n'.join(imports))
                if self.k.exc: raise Exception(f"in cell {cell.idx_}, its imports: {imports}: {self.k.exc!r}")
    class Filter(P.FilterDefaults):
        def base_procs(self): return [exec_show_docs if p is P.exec_show_docs else p for p in super().base_procs()]
    return Filter

def process(nb_path: Path, page: Path, linker, base: Path) -> dict:
    "The notebook at `nb_path` through nbdev's docs processors, as a MyST-NB notebook."
    from fastcore.nbio import read_nb
    Filter = _filter()
    nb = read_nb(nb_path)
    cwd = os.getcwd()
    os.chdir(nb_path.parent)   # show_doc cells run where the notebook lives, as nbdev runs them
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            Filter()(nb)
    except Exception as e: sys.exit(f"build_docs: nbdev's processing of {nb_path} failed: {type(e).__name__}: {e}")
    finally: os.chdir(cwd)
    fm = getattr(nb, 'frontmatter_', {}) or {}
    title = fm.get('title') or page.name
    head = f"# {title}\n\n" + (f"> {fm['description']}\n" if fm.get('description') else '')
    cells = [{'cell_type': 'markdown', 'metadata': {}, 'source': head}]
    cells += [c for c in (myst_cell(c, linker, page, base) for c in nb.cells if c.cell_type != 'raw') if c]
    for i, c in enumerate(cells): c['id'] = f'c{i:04d}'
    meta = {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'},
            'language_info': {'name': 'python'}}
    return {'nbformat': 4, 'nbformat_minor': 5, 'metadata': meta, 'cells': cells}

def as_markdown(nb: dict) -> str:
    "A plain-markdown copy of a processed page (text outputs only) for the `.html.md` beside each page."
    out = []
    for c in nb['cells']:
        tags = c['metadata'].get('tags', [])
        if c['cell_type'] == 'markdown': out.append(c['source']); continue
        if c['source'] and 'remove-input' not in tags: out.append(f"```python\n{c['source']}\n```")
        for o in c.get('outputs', []) if 'remove-output' not in tags else []:
            d = o.get('data', {})
            if 'text/markdown' in d: out.append(re.sub(r'<span id="[^"]*"></span>\n\n', '', d['text/markdown']))
            elif 'text/plain' in d or 'text' in o:
                t = d.get('text/plain', o.get('text', ''))
                out.append("```\n" + (''.join(t) if isinstance(t, list) else t).rstrip() + "\n```")
    return '\n\n'.join(out) + '\n'

# ---------- step 2: Sphinx + MyST-NB ----------
CONF = '''# written by tools/build_docs.py
project = TITLE
html_title = TITLE
extensions = ['myst_nb']
nb_execution_mode = 'off'           # pages show the outputs stored in the notebooks
nb_render_markdown_format = 'myst'  # show_doc output is markdown
myst_enable_extensions = ['dollarmath', 'amsmath', 'colon_fence', 'html_image']
myst_update_mathjax = False          # its MathJax 3 settings would keep MathJax 2 from typesetting
myst_all_links_external = True      # build_docs.py already made every link site-relative
html_theme = 'furo'
html_show_sourcelink = False
html_copy_source = False
html_static_path = ['_static']
# MathJax 2 from the jupyter-server-mathjax wheel, copied into the site: math renders offline too
mathjax_path = 'mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full'
mathjax2_config = {'tex2jax': {'inlineMath': [['\\\\(', '\\\\)']], 'displayMath': [['\\\\[', '\\\\]']], 'processEscapes': True},
                   # the wheel ships the STIX-Web fonts only (as Jupyter configures MathJax)
                   'HTML-CSS': {'availableFonts': [], 'preferredFont': None, 'webFont': 'STIX-Web', 'imageFont': None},
                   'SVG': {'font': 'STIX-Web'}}
exclude_patterns = ['_build', '.doctrees', '**.ipynb_checkpoints']
suppress_warnings = ['myst.header', 'myst.xref_missing', 'misc.highlighting_failure', 'mystnb.unknown_mime_type']
'''

def build(out: Path, nbs: Path, only=(), keep_proc=False) -> float:
    t0 = time.time()
    sys.path.insert(0, str(ROOT))
    from nbdev.config import get_config
    cfg = get_config()
    proc = ROOT/'_proc'/'site'
    if proc.exists(): shutil.rmtree(proc)
    proc.mkdir(parents=True)
    sections = discover(nbs, only)
    pages = {p.resolve(): page_name(p.relative_to(nbs)) for v in sections.values() for p in v}
    linker = Linker(nbs, pages, {})
    processed = {}
    for sec, nb_paths in sections.items():
        for p in nb_paths:
            t = time.time()
            page = pages[p.resolve()]
            base = ROOT if p.name == 'index.ipynb' else p.parent   # index.ipynb's links are the README's (repo root)
            nb = process(p, page, linker, base)
            processed[page] = nb
            dest = proc/page.with_suffix('.ipynb'); dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(json.dumps(nb, indent=1))
            print(f"  processed {p.relative_to(nbs)} -> {page}.html ({time.time() - t:.1f} s)", flush=True)
    # a link to a name the target page documents no heading for (a private helper, an undocumented
    # method) goes to the page itself rather than to an anchor that is not there
    anchors = {pg: set(re.findall(r'<span id="([^"]+)"></span>', json.dumps(nb))) for pg, nb in processed.items()}
    def drop_missing(text, page):
        def fix(m):
            tgt = (page.parent/m.group(1)).as_posix()
            tgt = os.path.normpath(tgt)
            return m.group(0) if m.group(2) in anchors.get(Path(tgt), {m.group(2)}) or '-' in m.group(2) else f'({m.group(1)}.html)'
        return re.sub(r'\(((?:\.\./)*[\w/]+)\.html#([^)\s]+)\)', fix, text)
    for page, nb in processed.items():
        for c in nb['cells']:
            c['source'] = drop_missing(c['source'], page)
            for o in c.get('outputs', []):
                if 'text/markdown' in o.get('data', {}): o['data']['text/markdown'] = drop_missing(o['data']['text/markdown'], page)
        (proc/page.with_suffix('.ipynb')).write_text(json.dumps(nb, indent=1))
    # markdown files the pages link to, as pages of their own (their own relative links fixed too)
    done = set()
    while set(linker.extra) - done:
        for src in sorted(set(linker.extra) - done):
            page = linker.extra[src]; done.add(src)
            dest = proc/page.with_suffix('.md'); dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(linker(src.read_text(encoding='utf-8'), page, src.parent))
    # navigation: the home page's toctree, one caption per section, in file-name order
    index = processed[Path('index')]
    toc = []
    for sec, nb_paths in sections.items():
        if not sec: continue
        entries = '\n'.join(pages[p.resolve()].as_posix() for p in nb_paths)
        toc.append(f"```{{toctree}}\n:caption: {sec}\n:maxdepth: 1\n\n{entries}\n```")
    if linker.extra:
        entries = '\n'.join(sorted(p.as_posix() for p in linker.extra.values()))
        toc.append(f"```{{toctree}}\n:caption: More\n:maxdepth: 1\n\n{entries}\n```")
    index['cells'].append({'cell_type': 'markdown', 'id': 'toctree', 'metadata': {}, 'source': '\n\n'.join(toc)})
    (proc/'index.ipynb').write_text(json.dumps(index, indent=1))
    (proc/'conf.py').write_text(CONF.replace('TITLE', repr(cfg.get('title') or cfg.lib_name)))
    try: import jupyter_server_mathjax
    except ImportError: sys.exit("build_docs: jupyter-server-mathjax is missing (it brings MathJax for offline math): pip install -e '.[dev]'")
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent/'static', proc/'_static'/'mathjax',
                    ignore=shutil.ignore_patterns('localization'))
    print(f"  nbdev processing: {time.time() - t0:.1f} s; rendering with Sphinx + MyST-NB", flush=True)
    # Sphinx writes into _proc/html (MyST-NB puts its scratch folder beside the output folder), then moves it to `out`
    html = ROOT/'_proc'/'html'
    for d in (html, out):
        if d.exists(): shutil.rmtree(d)
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '-d', str(ROOT/'_proc'/'doctrees'), str(proc), str(html)]
    r = subprocess.run(cmd)
    if r.returncode: sys.exit(f"build_docs: Sphinx failed (exit {r.returncode}): {' '.join(cmd)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(html), str(out))
    for page, nb in processed.items(): (out/f"{page.as_posix()}.html.md").write_text(as_markdown(nb))
    (out/'.nojekyll').touch()
    if not keep_proc: shutil.rmtree(ROOT/'_proc'/'site')
    return time.time() - t0

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(ROOT/'_docs'), help='site folder (default: _docs/)')
    ap.add_argument('--nbs', default=str(ROOT/'nbs'), help='notebook folder (default: nbs/)')
    ap.add_argument('--only', nargs='*', default=(), help='notebook names to include (default: all); the index is always built')
    ap.add_argument('--keep-proc', action='store_true', help='keep the processed notebooks in _proc/site')
    a = ap.parse_args()
    nbs = Path(a.nbs).resolve()
    if not nbs.is_dir(): sys.exit(f"build_docs: --nbs {a.nbs} is not a folder of notebooks")
    secs = build(Path(a.out).resolve(), nbs, tuple(a.only), a.keep_proc)
    print(f"built {Path(a.out)}/index.html in {secs:.0f} s; open it with: python -m http.server -d {a.out} 8000", flush=True)
    # the IPython shells that ran the show_doc cells take seconds each to close at exit (history threads):
    # the site is written and nothing else is pending, so leave at once
    sys.stderr.flush(); os._exit(0)

if __name__ == '__main__': main()
