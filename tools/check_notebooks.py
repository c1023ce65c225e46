#!/usr/bin/env python3
"""Check the notebooks as a reader meets them; exit 1 naming each notebook and cell at fault.

Checks (all cheap: the notebooks are read as JSON, nothing is executed):
1. No markdown cell written as commented-out code, i.e. a cell of more than one non-blank line whose every
   line starts with `#` (JupyterLab and every renderer show that as a wall of top-level headings).
   A one-line heading cell such as `## Results` is fine.
2. Numbers the prose quotes from a stored output are in that output. Mark such a quote in a markdown cell:

       Our run printed: teacher <!--out-->0.863, students 0.781 and 0.633<!--/out--> ...
       the distance fell to <!--out c0038-->0.231<!--/out--> ...    (only the outputs of code cell c0038)

   The markers are HTML comments, so JupyterLab, GitHub and the docs site show nothing of them. Within a
   marked span every decimal number (`0.863`) and percentage (`63%`, `48.2%`) is checked; a span holding a
   single number checks it whatever its form (`<!--out-->71<!--/out--> s`). A number matches an output number
   it is a rounding of (0.863 matches 0.8633; 63% matches 0.6319 and 63.2), so quote with as few decimals as the
   sentence needs. Outputs are the stored outputs of the notebook's code cells (text, HTML, markdown; not
   errors), without raw floats (more than 6 decimals, such as a printed list of losses: so many digits would
   match almost any quote by chance); name the cell that shows the number as a table or a rounded value. Text
   in backticks is not checked. Don't start a line with `<!--out`: CommonMark reads such a line as an HTML
   block (even inside a paragraph) and would not render its markdown.
3. (whole-project run only) The run-time table in nbs/course/learning_path.md is the one `--times` makes from
   nbs/run_times.json (the wall times tools/run_lessons.py records), and every timed notebook exists.

Usage:
  python tools/check_notebooks.py [NB_OR_FOLDER ...]   checks 1-2 (default: every notebook under nbs/, plus 3)
  python tools/check_notebooks.py --times              write the run-time table into the learning path
  python tools/check_notebooks.py --numbers [NB ...]   report (never fails) every decimal number and percentage
                                                       of the prose: marked or not, in the outputs or not
"""
import argparse, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
TIMES = NBS/'run_times.json'
LEARNING_PATH = NBS/'course'/'learning_path.md'
TIMES_START = ('<!-- run-times: start. Generated from nbs/run_times.json by `python tools/check_notebooks.py --times`; '
               'do not edit by hand -->')
TIMES_END = '<!-- run-times: end -->'

def rel(p: Path) -> str:
    p = Path(p).resolve()
    return p.relative_to(ROOT).as_posix() if p.is_relative_to(ROOT) else str(p)

def notebooks(args: list[str]) -> list[Path]:
    "The notebooks named in `args` (files or folders), or every notebook under nbs/ (checkpoints skipped)."
    paths = [Path(a) for a in args] or [NBS]
    found = []
    for p in paths:
        if p.is_dir(): found += sorted(f for f in p.rglob('*.ipynb') if '.ipynb_checkpoints' not in f.parts)
        elif p.suffix == '.ipynb' and p.is_file(): found.append(p)
        else: sys.exit(f"check_notebooks: {p} is neither a notebook (.ipynb) nor a folder")
    return found

def _text(v) -> str: return ''.join(v) if isinstance(v, list) else (v or '')

def read_nb(nb_path: Path):
    "The notebook as a dict, or an error message."
    try: return json.loads(Path(nb_path).read_text(encoding='utf-8')), None
    except (OSError, ValueError) as e: return None, f"{rel(nb_path)}: cannot be read as a notebook (JSON): {e}"

def cell_name(i: int, cell: dict) -> str: return f"cell {i} (id {cell.get('id', '?')})"

# --- 1. markdown written as '#' lines --------------------------------------------------------------------------

def hash_cells(nb_path: Path, nb: dict) -> list[str]:
    "One message per markdown cell of `nb` whose non-blank lines (more than one) all start with `#`."
    problems = []
    for i, cell in enumerate(nb.get('cells', [])):
        if cell.get('cell_type') != 'markdown': continue
        lines = [l for l in _text(cell.get('source')).splitlines() if l.strip()]
        if len(lines) > 1 and all(l.lstrip().startswith('#') for l in lines):
            problems.append(f"{rel(nb_path)}: markdown {cell_name(i, cell)} has {len(lines)} lines that all start with '#' "
                            f"(first: {lines[0][:60]!r}); write prose as plain markdown, keep '#' for headings")
    return problems

# --- 2. numbers quoted from stored outputs ---------------------------------------------------------------------

# a number as prose writes it: 0.863, 28,709, 48.2 %; not part of a word, name or version (fer2013, s12, 1.2.3)
_re_prose_num = re.compile(r'(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w.]*\d)(?:\s?(%))?')
# a number as an output prints it: 0.86328125, 1.2e-05, 63.2%, 28,709
_re_out_num = re.compile(r'(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\.\d)')
_re_open = re.compile(r'<!--\s*out(?:\s+([^\s>]+))?\s*-->')
_re_close = re.compile(r'<!--\s*/out\s*-->')
_re_span = re.compile(r'<!--\s*out(?:\s+([^\s>]+))?\s*-->(.*?)<!--\s*/out\s*-->', re.S)
_re_code = re.compile(r'```.*?```|~~~.*?~~~|`[^`\n]*`', re.S)
_re_noise = re.compile(r'<!--.*?-->|\]\([^)]*\)|https?://\S+|<[^>]+>|arXiv[: ]*\d{4}\.\d{4,5}', re.S)   # comments, links, tags, arXiv ids

def prose_numbers(md: str) -> list[tuple[str, float, int, bool]]:
    "Each number of the markdown text `md` outside code: (as written, value, decimals, is a percentage)."
    md = _re_noise.sub(' ', _re_code.sub(' ', md))
    out = []
    for m in _re_prose_num.finditer(md):
        whole, frac, pct = m.group(1), m.group(2) or '', m.group(3)
        out.append((m.group(0).strip(), float(whole.replace(',', '') + frac), max(len(frac) - 1, 0), bool(pct)))
    return out

def quote_like(n) -> bool: return n[2] > 0 or n[3]   # a decimal number or a percentage

def output_texts(cell: dict) -> str:
    "The text a reader sees in a code cell's stored outputs (streams, text, HTML, markdown; not errors)."
    texts = []
    for o in cell.get('outputs', []):
        if o.get('output_type') == 'stream': texts.append(_text(o.get('text')))
        data = o.get('data', {})
        for k in ('text/plain', 'text/html', 'text/markdown', 'text/latex'):
            if k in data: texts.append(_text(data[k]))
    return '\n'.join(texts)

MAX_DECIMALS = 6   # pandas and fastai show 6 decimals at most; longer numbers are raw floats (loss lists, tuples)

def output_numbers(nb: dict) -> dict[str, list[tuple[float, str]]]:
    "{code cell id: [(value, as printed)]} over the notebook's stored outputs, raw floats left out (cells without any too)."
    found = {}
    for i, cell in enumerate(nb.get('cells', [])):
        if cell.get('cell_type') != 'code': continue
        nums = [(float(m.group(0).replace(',', '')), m.group(0)) for m in _re_out_num.finditer(output_texts(cell))
                if len(m.group(0).partition('.')[2].split('e')[0].split('E')[0]) <= MAX_DECIMALS]
        if nums: found[cell.get('id') or f'#{i}'] = nums
    return found

def match(num, outs: dict[str, list[tuple[float, str]]]) -> tuple[str, str] | None:
    "(cell id, number as printed) of the output number that `num` is a rounding of, or None; the likeliest source first."
    written, q, dec, pct = num
    tol = 0.5 * 10 ** -dec + 1e-9
    best, best_rank = None, 9
    for cid, nums in outs.items():
        for v, printed in nums:
            if pct and abs(v - q / 100) <= tol / 100 and '.' in printed: rank = 0   # 63% quoting 0.6319
            elif abs(v - q) > tol: continue
            elif pct: rank = 1                                                         # 63% quoting 63 or 63.2
            else: rank = 0 if printed.replace(',', '') == written.replace(',', '') else 1
            if rank < best_rank: best, best_rank = (cid, printed), rank
            if rank == 0: return best
    return best

def marked_spans(nb_path: Path, nb: dict):
    "Yield (cell index, cell, cell id restriction or None, span text) for each `<!--out-->` span; problems as strings."
    for i, cell in enumerate(nb.get('cells', [])):
        if cell.get('cell_type') != 'markdown': continue
        src = _re_code.sub(' ', _text(cell.get('source')))   # a marker shown as code is not a marker
        if not _re_open.search(src) and not _re_close.search(src): continue
        where = f"{rel(nb_path)}: markdown {cell_name(i, cell)}"
        spans = list(_re_span.finditer(src))
        if len(spans) != len(_re_open.findall(src)) or len(spans) != len(_re_close.findall(src)):
            yield f"{where}: an <!--out--> marker without its <!--/out--> (or the other way round); each quoted span needs both"
        for line in src.splitlines():
            if line.lstrip().startswith('<!--') and _re_open.match(line.lstrip()):
                yield f"{where}: a line starts with <!--out--> ({line.strip()[:50]!r}); renderers take such a line as raw HTML, put a word before the marker"
        for m in spans: yield i, cell, m.group(1), m.group(2)

def quoted_numbers(nb_path: Path, nb: dict) -> tuple[list[str], list[str], int]:
    "(problems, one line per marked number found, how many marked numbers) for the `<!--out-->` spans of `nb`."
    problems, found, n, outs = [], [], 0, None
    code_ids = {c.get('id') for c in nb.get('cells', []) if c.get('cell_type') == 'code'}
    for item in marked_spans(nb_path, nb):
        if isinstance(item, str): problems.append(item); continue
        i, cell, only, span = item
        where = f"{rel(nb_path)}: markdown {cell_name(i, cell)}"
        if outs is None: outs = output_numbers(nb)
        if only is not None and only not in code_ids:
            problems.append(f"{where}: <!--out {only}--> names no code cell of this notebook"); continue
        scope = outs if only is None else {only: outs.get(only, [])}
        source = 'cell ' + only if only else 'the notebook'
        nums = prose_numbers(span)
        checked = nums if len(nums) == 1 else [x for x in nums if quote_like(x)]
        n += len(checked)
        if not checked:
            problems.append(f"{where}: the span <!--out-->{span.strip()[:40]!r}<!--/out--> marks no decimal number or percentage")
        elif not any(scope.values()):
            stored = any(c.get('outputs') for c in nb.get('cells', []) if c.get('cell_type') == 'code' and (only is None or c.get('id') == only))
            why = ("print no number of 6 decimals or fewer" if stored else
                   f"has no stored outputs (python tools/run_lessons.py {rel(nb_path)} stores them)")
            problems.append(f"{where}: quotes {', '.join(x[0] for x in checked)} from the stored outputs of {source}, which {why}")
        else:
            for x in checked:
                hit = match(x, scope)
                if hit is None: problems.append(f"{where}: quotes {x[0]} from the stored outputs of {source}, which print no such number")
                else: found.append(f"{where}: marked {x[0]} is in the outputs ({hit[1]}, cell {hit[0]})")
    return problems, found, n

def _unique(xs: list) -> list: return list(dict.fromkeys(xs))

def number_report(nb_path: Path, nb: dict) -> list[str]:
    "Report lines for the decimal numbers and percentages of the prose outside marked spans: in the outputs or not."
    outs, lines = output_numbers(nb), []
    has_outputs = any(c.get('outputs') for c in nb.get('cells', []) if c.get('cell_type') == 'code')
    unchecked = 0
    for i, cell in enumerate(nb.get('cells', [])):
        if cell.get('cell_type') != 'markdown': continue
        nums = [x for x in prose_numbers(_re_span.sub(' ', _re_code.sub(' ', _text(cell.get('source'))))) if quote_like(x)]
        if not nums: continue
        if not has_outputs: unchecked += len(nums); continue
        found, missing = [], []
        for x in nums:
            hit = match(x, outs)
            if hit is None: missing.append(x[0])
            else: found.append(f"{x[0]}{'=' if hit[1].replace(',', '') == x[0].replace(',', '') else '~'}{hit[1]}@{hit[0]}")
        where = f"{rel(nb_path)}: markdown {cell_name(i, cell)}"
        if found: lines.append(f"{where}: unmarked, in an output: {' '.join(_unique(found))}")
        if missing: lines.append(f"{where}: unmarked, in no output: {' '.join(_unique(missing))}")
    if unchecked: lines.append(f"{rel(nb_path)}: no stored outputs; {unchecked} decimal numbers and percentages of its prose not compared")
    return lines

# --- 3. the run-time table of the learning path -----------------------------------------------------------------

_re_path_row = re.compile(r'^\|\s*([^|]+?)\s*\|\s*`([^`]+\.ipynb)`\s*\|', re.M)

def learning_path_rows(text: str) -> list[tuple[str, str]]:
    "(label, notebook path relative to nbs/) for each table row of the learning path that names a notebook, in order."
    start = text.find(TIMES_START)
    if start >= 0: text = text[:start] + text[text.find(TIMES_END, start) + len(TIMES_END):]   # not our own table
    return [(m.group(1), m.group(2)) for m in _re_path_row.finditer(text)]

def fmt_seconds(s: float) -> str:
    s = round(s)
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"

def times_block(text: str, times: dict) -> str:
    "The generated run-time table (between the markers) for the learning path `text` and the measured `times`."
    rows = learning_path_rows(text)
    named = {nb for _, nb in rows}
    rows += [('', nb) for nb in times if nb not in named]   # timed notebooks the learning path does not list
    notes = []   # each distinct note once, as (a), (b), ...
    for _, nb in rows:
        note = times.get(nb, {}).get('note')
        if note and note not in notes: notes.append(note)
    cpus = sorted({str(t.get('cpus', '?')) for t in times.values()})
    out = [TIMES_START, '',
           f"| # | notebook | full run, fresh kernel, {' or '.join(cpus)} CPU cores | measured on |", '|---|---|---|---|']
    total = 0
    for label, nb in rows:
        t = times.get(nb)
        if t is None: out.append(f"| {label} | `{nb}` | not measured yet | |"); continue
        total += t['seconds']
        mark = f" ({chr(ord('a') + notes.index(t['note']))})" if t.get('note') else ''
        out.append(f"| {label} | `{nb}` | {fmt_seconds(t['seconds'])} | {t.get('date', '?')}{mark} |")
    timed = [times[nb] for _, nb in rows if nb in times]
    dates = sorted({str(t.get('date', '?')) for t in timed})
    when = f"on {dates[0]}" if len(dates) == 1 else f"between {dates[0]} and {dates[-1]}"
    busy = sum(bool(t.get('note')) for t in timed)
    out += ['', f"Measured: {len(timed)} of {len(rows)} notebooks ({fmt_seconds(total)} together), {when}"
                + (f"; {busy} of them with a note on the machine's state." if busy else ".")]
    out += [''] + [f"({chr(ord('a') + k)}) {note.rstrip('.')}.  " for k, note in enumerate(notes)]
    if notes: out[-1] = out[-1].rstrip()
    return '\n'.join(out + ['', TIMES_END])

def current_block(text: str) -> str | None:
    start = text.find(TIMES_START)
    end = text.find(TIMES_END, start)
    return text[start:end + len(TIMES_END)] if start >= 0 and end >= 0 else None

def load_times() -> dict:
    return json.loads(TIMES.read_text(encoding='utf-8')) if TIMES.exists() else {}

def times_problems() -> list[str]:
    "The learning path's run-time table differs from what nbs/run_times.json says, or a timed notebook is gone."
    problems = []
    try: times = load_times()
    except ValueError as e: return [f"{rel(TIMES)}: not valid JSON: {e}"]
    for nb, t in times.items():
        if not (NBS/nb).is_file(): problems.append(f"{rel(TIMES)}: times {nb}, which is not a notebook under nbs/; remove the entry")
        if not isinstance(t, dict) or not isinstance(t.get('seconds'), (int, float)):
            problems.append(f"{rel(TIMES)}: the entry of {nb} has no number of seconds: {t!r}")
    if problems: return problems
    text = LEARNING_PATH.read_text(encoding='utf-8')
    for _, nb in learning_path_rows(text):
        if not (NBS/nb).is_file(): problems.append(f"{rel(LEARNING_PATH)}: names `{nb}`, which is not a notebook under nbs/")
    block = current_block(text)
    if block is None:
        problems.append(f"{rel(LEARNING_PATH)}: has no run-time table (its markers are missing); run python tools/check_notebooks.py --times")
    elif block != times_block(text, times):
        problems.append(f"{rel(LEARNING_PATH)}: the run-time table is out of date with {rel(TIMES)}; run python tools/check_notebooks.py --times")
    return problems

def write_times() -> str:
    "Write the run-time table into the learning path (replacing the old one, or at the end); the table."
    text = LEARNING_PATH.read_text(encoding='utf-8')
    block = times_block(text, load_times())
    old = current_block(text)
    new = text.replace(old, block) if old else text.rstrip('\n') + '\n\n' + block + '\n'
    if new != text: LEARNING_PATH.write_text(new, encoding='utf-8')
    return block

# --- command line ------------------------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog='Usage:' + __doc__.split('Usage:')[1])
    ap.add_argument('notebooks', nargs='*', help='notebooks or folders (default: every notebook under nbs/)')
    ap.add_argument('--times', action='store_true', help='write the run-time table of nbs/course/learning_path.md from nbs/run_times.json')
    ap.add_argument('--numbers', action='store_true', help='report the numbers of the prose against the stored outputs (never fails)')
    a = ap.parse_args(argv)
    if a.times:
        print(write_times())
        print(f"check_notebooks --times: the table above is in {rel(LEARNING_PATH)}")
        return 0
    nbs = notebooks(a.notebooks)
    hashes, quotes, report, n_marked = [], [], [], 0
    for path in nbs:
        nb, err = read_nb(path)
        if err: hashes.append(err); continue
        hashes += hash_cells(path, nb)
        problems, found, n = quoted_numbers(path, nb)
        quotes += problems; n_marked += n
        if a.numbers: report += found + number_report(path, nb)
    whole = not a.notebooks and not a.numbers   # the CI form also checks the learning path's run-time table
    stale = times_problems() if whole else []
    for line in report + hashes + quotes + stale: print(line)
    summary = (f"check_notebooks: {len(nbs)} notebooks; {len(hashes)} markdown cells written as '#' lines; "
               f"{n_marked} numbers marked as quoted from outputs, {len(quotes)} problems with them")
    if whole: summary += f"; run-time table of the learning path: {len(stale)} problems"
    print(summary)
    return 0 if a.numbers or not (hashes or quotes or stale) else 1

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
