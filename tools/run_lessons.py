#!/usr/bin/env python3
"""Run lesson notebooks top to bottom as a reader would and store their outputs; or check their size budget.

Each notebook runs in a fresh kernel with nbclient, from its own folder, with the reader's defaults: no
`IN_TEST` (so lessons run at full lesson size, not the test shortcuts) and matplotlib's inline backend (no
`MPLBACKEND` from the shell), so the figures, tables and numbers the prose talks about are what gets stored.
The stored outputs are then made light and portable:
- progress bars (fastprogress's HTML `<progress>` displays, `\\r`-rewritten stream lines) are dropped;
- absolute paths are written relative: the repository root becomes `.`, the home folder `~`, and the machine's
  name `<host>`;
- the notebook is cleaned with `nbdev-clean` (no execution counts or noisy metadata; outputs are kept);
- its size must stay within the budget (`--budget-kb`, default 1500 KB a notebook).
Each notebook's wall time (seconds, with the machine's CPU count and the date) goes to `nbs/run_times.json` as
soon as it has run: the file is re-read just before each write and replaced atomically, under a lock, so runs in
parallel keep each other's entries. The run-time table of the learning path is then regenerated from it
(`python tools/check_notebooks.py --times`), so CI's check of that table stays green. A failing cell stops that
notebook, names it and leaves the file as it was.

Usage:
  python tools/run_lessons.py [NB ...]            run these (default: every nbs/*.ipynb, nbs/tutorials/*.ipynb)
  python tools/run_lessons.py NB --out DIR        write the executed copies to DIR instead (a trial run)
  python tools/run_lessons.py NB --time-only      run and record the wall time, but keep the notebook as it is
                                                  (the course solutions: their outputs would give answers away)
  python tools/run_lessons.py --check [NB ...]    only check the size budget (for CI): no execution
"""
import argparse, contextlib, datetime, json, os, re, socket, stat, subprocess, sys, tempfile, time, warnings
from pathlib import Path
try: import fcntl
except ImportError: fcntl = None   # Windows: no lock; the re-read and the atomic replace still keep most races out

ROOT = Path(__file__).resolve().parent.parent
TIMES = ROOT/'nbs'/'run_times.json'
_re_progress = re.compile(r'<progress\b', re.I)

def lesson_notebooks(args: list[str]) -> list[Path]:
    if args:
        paths = [Path(a).resolve() for a in args]
        for p in paths:
            if p.suffix != '.ipynb' or not p.is_file(): sys.exit(f"run_lessons: {p} is not a notebook file (.ipynb)")
        return paths
    nbs = ROOT/'nbs'
    return sorted(nbs.glob('*.ipynb')) + sorted(nbs.glob('tutorials/*.ipynb'))

def _text(v): return ''.join(v) if isinstance(v, list) else v

def _short_paths() -> list[tuple[str, str]]:
    "Absolute folders and how stored outputs write them, most specific first."
    import sysconfig
    pairs = [(sysconfig.get_paths()[k], '<site-packages>') for k in ('purelib', 'platlib')]
    pairs += [(str(ROOT), '.'), (sys.prefix, '<python>'), (sys.base_prefix, '<python>')]
    if len(ROOT.parent.parts) > 1: pairs.append((str(ROOT.parent), '..'))   # ../shared/data beside the project
    pairs.append((str(Path.home()), '~'))
    return sorted(set(pairs), key=lambda p: -len(p[0]))

def _portable(s: str) -> str:
    "Absolute paths and the machine's name out of an output text."
    for path, short in _short_paths():
        s = s.replace(path + os.sep, short + '/').replace(path, short)
    host = socket.gethostname()
    if len(host) > 3: s = s.replace(host, '<host>')
    return s

def _last_of_each_line(s: str) -> str:
    "What a terminal shows of `\\r`-rewritten lines (progress counters): the last rewrite of each line."
    return '\n'.join(l.rsplit('\r', 1)[-1] for l in s.split('\n'))

def lighten(nb) -> int:
    "Drop progress bars and absolute paths from `nb`'s outputs in place; the number of outputs dropped."
    dropped = 0
    for cell in nb.cells:
        if cell.cell_type != 'code': continue
        outs = []
        for o in cell.get('outputs', []):
            data = o.get('data', {})
            if 'text/html' in data and _re_progress.search(_text(data['text/html'])): dropped += 1; continue
            if o.get('output_type') == 'stream':
                o['text'] = _portable(_last_of_each_line(_text(o['text'])))
                if not o['text'].strip(): dropped += 1; continue
            for k in ('text/plain', 'text/html', 'text/markdown'):
                if k in data: data[k] = _portable(_text(data[k]))
            if o.get('output_type') == 'error': o['traceback'] = [_portable(t) for t in o.get('traceback', [])]
            outs.append(o)
        cell['outputs'] = outs
    return dropped

def _head_tail(s: str, head: int = 2500, tail: int = 1200) -> str:
    "A cell error as a reader needs it: the cell and the start of the traceback, and its last lines (a long value in between cut)."
    return s if len(s) <= head + tail else s[:head] + '\n[...]\n' + s[-tail:]

def run(nb_path: Path, out: Path, timeout: int) -> float:
    "Execute `nb_path` in a fresh kernel as a reader would, write the light result to `out`; the wall time."
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    with warnings.catch_warnings():   # nbformat warns of cells without ids; nbdev-clean writes them as it wants
        warnings.simplefilter('ignore'); nb = nbformat.read(nb_path, as_version=4)
    env_drop = ('IN_TEST', 'MPLBACKEND')
    saved = {k: os.environ.pop(k) for k in env_drop if k in os.environ}   # the kernel inherits this environment
    t0 = time.time()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(nb_path.parent)}}).execute()
    except CellExecutionError as e:
        sys.exit(f"run_lessons: {nb_path.relative_to(ROOT) if nb_path.is_relative_to(ROOT) else nb_path} failed "
                 f"after {time.time() - t0:.0f} s; the file is unchanged.\n{_head_tail(str(e))}")
    finally: os.environ.update(saved)
    secs = time.time() - t0
    dropped = lighten(nb)
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); nbformat.write(nb, out)
    subprocess.run(['nbdev-clean', '--fname', str(out)], check=True, cwd=ROOT)   # outputs stay, counts and noise go
    print(f"  {nb_path.name}: {secs:.0f} s, {out.stat().st_size / 1024:.0f} KB, {dropped} progress outputs dropped -> {out}", flush=True)
    return secs

@contextlib.contextmanager
def _locked(folder: Path):
    "Hold an exclusive lock on `folder` (not on the file, which `os.replace` swaps for a new one) while the block runs."
    if fcntl is None: yield; return
    fd = os.open(folder, os.O_RDONLY)
    try: fcntl.flock(fd, fcntl.LOCK_EX); yield
    finally: os.close(fd)   # closing releases the lock

def _write_atomic(path: Path, text: str):
    "Write `text` to `path` through a temporary file beside it and `os.replace`: a reader sees the old or the new file, never half."
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f: f.write(text)
        os.chmod(tmp, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True); raise

def refresh_times_table() -> bool:
    "Regenerate the learning path's run-time table from nbs/run_times.json (`check_notebooks.py --times`); whether it worked."
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'check_notebooks.py'), '--times'], cwd=ROOT, capture_output=True, text=True)
    if r.returncode: print(f"run_lessons: could not refresh the run-time table of the learning path (run python tools/check_notebooks.py "
                           f"--times):\n{(r.stdout + r.stderr)[-1500:]}", file=sys.stderr, flush=True)
    return r.returncode == 0

def record_time(nb: str,           # the notebook's path relative to nbs/, the key in the file
                secs: float,       # its wall time
                path: Path = TIMES, # the run-times file
                refresh: bool | None = None, # regenerate the learning path's table (default: only when `path` is nbs/run_times.json)
                note: str | None = None, # how the machine was when it ran (e.g. another job on one core): shown with the time
               ) -> bool:
    "Merge one wall time into `path`, re-read just before writing so parallel runs keep each other's entries; False if the table went stale."
    with _locked(path.parent):   # read, merge, write and refresh as one step: a parallel run waits here
        times = json.loads(path.read_text(encoding='utf-8')) if path.exists() else {}
        times[nb] = {'seconds': round(secs), 'cpus': os.cpu_count(), 'date': datetime.date.today().isoformat(), **({'note': note} if note else {})}
        _write_atomic(path, json.dumps(dict(sorted(times.items())), indent=1) + '\n')
        if refresh is None: refresh = path.resolve() == TIMES.resolve()
        return refresh_times_table() if refresh else True

def check_budget(paths: list[Path], budget_kb: int) -> list[str]:
    return [f"{p}: {p.stat().st_size / 1024:.0f} KB is over the budget of {budget_kb} KB a notebook: make its figures smaller "
            f"(fewer, or a lower dpi/figsize) or print less" for p in paths if p.stat().st_size > budget_kb * 1024]

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to run (default: nbs/*.ipynb and nbs/tutorials/*.ipynb)')
    ap.add_argument('--out', help='write executed copies into this folder instead of over the notebooks')
    ap.add_argument('--check', action='store_true', help='only check the size budget, run nothing')
    ap.add_argument('--budget-kb', type=int, default=1500, help='largest notebook file allowed, in KB (default 1500)')
    ap.add_argument('--note', help="how the machine was during the run (e.g. 'a training run used one of the 2 cores'): kept with the times")
    ap.add_argument('--time-only', action='store_true', help='record the wall time, store no outputs (the executed copy goes to a temporary folder)')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds one cell may run (default 1800)')
    a = ap.parse_args()
    paths = lesson_notebooks(a.notebooks)
    if a.check:
        over = check_budget(paths, a.budget_kb)
        for o in over: print(o)
        print(f"run_lessons --check: {len(paths)} notebooks, {len(over)} over {a.budget_kb} KB")
        sys.exit(1 if over else 0)
    if a.time_only and a.out: sys.exit("run_lessons: --time-only writes the executed copies to a temporary folder; drop --out")
    outs, table_stale, tmp = [], False, tempfile.mkdtemp(prefix='run_lessons_') if a.time_only else None
    for p in paths:
        out = Path(a.out or tmp).resolve()/p.name if a.out or tmp else p
        secs = run(p, out, a.timeout)
        if not a.time_only: outs.append(out)
        if not a.out: table_stale |= not record_time(p.relative_to(ROOT/'nbs').as_posix(), secs, note=a.note)   # a trial run records nothing
    over = check_budget(outs, a.budget_kb)
    for o in over: print(o)
    sys.exit(1 if over or table_stale else 0)

if __name__ == '__main__': main()
