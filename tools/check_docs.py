#!/usr/bin/env python3
"""Check the built docs site (`_docs/`): internal links and anchors, images, the `Docs:` links of the package,
and, where headless Chromium is installed, JavaScript errors and failed loads in a real browser, with screenshots.

Two parts:
1. pure Python, always: every `<a href>`, `<img src>`, `<link href>` and `<script src>` of every page that
   points inside the site must name a file that exists (and an `id` on that page when it has `#anchor`);
   every image must be a non-empty file; every `Docs:` URL in a `fer_lowres/*.py` module docstring must
   name a page of the site (relative to the `Documentation` URL in pyproject.toml).
2. in headless Chromium (Debian's `chromium`, driven by Playwright from pip with that executable; skipped
   with a notice when either is missing, unless --browser is given, which makes it required): every page
   is opened through a local HTTP server; a JavaScript error, a console error, a failed request or an
   image that did not decode fails the check. Screenshots of the index, the lesson page with the most
   figures and an API page go to --shots (default `_proc/screenshots/`).

Usage: python tools/check_docs.py [SITE] [--browser | --no-browser] [--shots DIR]
"""
import argparse, functools, http.server, re, shutil, sys, threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHECKED = {'a': 'href', 'img': 'src', 'link': 'href', 'script': 'src', 'source': 'src', 'iframe': 'src'}

class Page(HTMLParser):
    "The ids and the outgoing references of one HTML page."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.refs, self.imgs = set(), [], 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ('id', 'name'):
            if a.get(k): self.ids.add(a[k])
        if tag in CHECKED and a.get(CHECKED[tag]): self.refs.append((tag, a[CHECKED[tag]]))
        if tag == 'img': self.imgs += 1

def internal(url: str) -> bool:
    return not (re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*:', url) or url.startswith('//') or url == '#')

@functools.lru_cache(None)
def parse(path: Path) -> Page:
    p = Page(); p.feed(path.read_text(encoding='utf-8', errors='replace')); return p

def check_links(site: Path) -> tuple[list[str], dict[Path, Page]]:
    "Broken internal links, missing anchors and missing or empty images, one message each."
    problems, pages = [], {}
    for f in sorted(site.rglob('*.html')):
        pages[f] = page = parse(f)
        for tag, url in page.refs:
            if not internal(url): continue
            parts = urlsplit(url)
            target = f if not parts.path else (f.parent/unquote(parts.path)).resolve()
            if target.is_dir(): target = target/'index.html'
            where = f"{f.relative_to(site)}: <{tag}> {url}"
            if not target.exists(): problems.append(f"{where}: no such file in the site"); continue
            if tag == 'img' and target.stat().st_size == 0: problems.append(f"{where}: the image file is empty")
            if parts.fragment and tag == 'a' and target.suffix == '.html' and not parts.fragment.startswith('svg-'):
                if unquote(parts.fragment) not in parse(target).ids:
                    problems.append(f"{where}: {target.relative_to(site)} has no id {parts.fragment!r}")
    return problems, pages

def check_docs_lines(site: Path) -> tuple[list[str], int]:
    "Each `Docs:` URL in the package's module docstrings must be a page of the site."
    from nbdev.config import get_config
    cfg = get_config()
    base = (cfg.doc_host.rstrip('/') + cfg.doc_baseurl.rstrip('/') + '/') if cfg.doc_host else None
    problems, n = [], 0
    for py in sorted((ROOT/cfg.lib_path).glob('*.py')):
        for url in re.findall(r'^Docs: (\S+?)(?:"""|\s*$)', py.read_text(encoding='utf-8'), re.M):
            n += 1
            if not base or not url.startswith(base):
                problems.append(f"{py.relative_to(ROOT)}: Docs: {url} is not under the Documentation URL {base!r} of pyproject.toml")
            elif not (site/url[len(base):]).is_file():
                problems.append(f"{py.relative_to(ROOT)}: Docs: {url} names {url[len(base):]}, which the site does not have")
    return problems, n

def find_chromium() -> str | None:
    return next((p for p in (shutil.which('chromium'), shutil.which('chromium-browser'), shutil.which('google-chrome')) if p), None)

def serve(site: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd

def check_browser(site: Path, pages: dict[Path, Page], shots: Path, chromium: str) -> list[str]:
    "Open every page in headless Chromium: JS errors, console errors, failed requests, undecoded images."
    from playwright.sync_api import sync_playwright
    httpd = serve(site)
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    problems = []
    content = {f: p for f, p in pages.items() if f.name not in ('genindex.html', 'search.html')}
    figures = max(content, key=lambda f: (pages[f].imgs, f.name != 'index.html'))
    # an API page: the page other than that one with the most show_doc entries (their `<span id>` anchors)
    n_api = {f: len(re.findall(r'<span id="[\w.]+"></span>', f.read_text())) for f in content if f not in (figures, site/"index.html")}
    api = max(n_api, key=n_api.get, default=None)
    wanted = {site/'index.html': 'index', figures: 'lesson_with_figures', **({api: 'api'} if api else {})}
    shots.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=['--no-sandbox'])
            ctx = browser.new_context(viewport={'width': 1280, 'height': 900})
            for f in sorted(content):
                rel = f.relative_to(site).as_posix()
                page, errs = ctx.new_page(), []
                page.on('pageerror', lambda e, errs=errs: errs.append(f"JavaScript error: {e}"))
                # a failed load also shows as a console error without its URL: the request events name it
                page.on('console', lambda m, errs=errs: errs.append(f"console {m.type}: {m.text}")
                        if m.type == 'error' and not m.text.startswith('Failed to load resource') else None)
                page.on('requestfailed', lambda r, errs=errs: errs.append(f"request failed: {r.url} ({r.failure})"))
                # Chromium asks every site for /favicon.ico; the site has none, and that is no broken link
                page.on('response', lambda r, errs=errs: errs.append(f"HTTP {r.status}: {r.url}")
                        if r.status >= 400 and not r.url.endswith('/favicon.ico') else None)
                page.goto(base + rel, wait_until='load')
                # scripts that load more after the page (MathJax, its fonts) get their chance to fail too
                try: page.wait_for_load_state('networkidle', timeout=15000)
                except Exception: errs.append("still loading after 15 s")
                broken = page.evaluate("Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
                errs += [f"image did not load: {s}" for s in broken]
                # MathJax 2 probes web-font support with a font at about:blank; that failing is by design
                problems += [f"{rel}: {e}" for e in errs if "about:blank" not in e]
                if f in wanted:
                    out = shots/f"{wanted[f]}.png"
                    if f == figures and pages[f].imgs: page.locator('article img').first.scroll_into_view_if_needed()
                    page.screenshot(path=str(out), full_page=False)
                    print(f"  screenshot {out} <- {rel}")
                page.close()
            # search works: the search page finds pages for a word every lesson uses
            if (site/'search.html').exists():
                page = ctx.new_page()
                page.goto(base + 'search.html?q=resolution', wait_until='load')
                try:
                    page.wait_for_selector('#search-results ul.search li', timeout=15000)
                    hits = page.locator('#search-results ul.search li').count()
                    print(f"  search for 'resolution': {hits} pages found")
                except Exception: problems.append("search.html?q=resolution: the search found no page")
                page.close()
            browser.close()
    finally: httpd.shutdown()
    return problems

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('site', nargs='?', default=str(ROOT/'_docs'), help='the built site (default: _docs/)')
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--browser', action='store_true', help='require the headless Chromium check')
    g.add_argument('--no-browser', action='store_true', help='skip the headless Chromium check')
    ap.add_argument('--shots', default=str(ROOT/'_proc'/'screenshots'), help='folder for the screenshots')
    a = ap.parse_args()
    site = Path(a.site).resolve()
    if not (site/'index.html').is_file(): sys.exit(f"check_docs: {site}/index.html does not exist: build the site first (python tools/build_docs.py)")
    problems, pages = check_links(site)
    n_refs = sum(1 for p in pages.values() for t, u in p.refs if internal(u))
    n_imgs = sum(p.imgs for p in pages.values())
    print(f"links: {len(pages)} pages, {n_refs} internal links, {n_imgs} images checked")
    docs_problems, n_docs = check_docs_lines(site)
    problems += docs_problems
    print(f"package: {n_docs} Docs: links checked")
    chromium = find_chromium()
    try: import playwright  # noqa: F401
    except ImportError: playwright = None
    if a.no_browser: print("browser: skipped (--no-browser)")
    elif not chromium or playwright is None:
        missing = 'chromium (apt-get install -y chromium)' if not chromium else 'playwright (pip install playwright)'
        if a.browser: problems.append(f"browser: --browser asked for headless Chromium, but {missing} is not installed")
        else: print(f"browser: skipped, {missing} is not installed (links and images were still checked)")
    else:
        bp = check_browser(site, pages, Path(a.shots), chromium)
        print(f"browser: {len(pages)} pages opened in headless Chromium ({chromium}), {len(bp)} problems")
        problems += bp
    for p in problems: print("  " + p)
    print(f"check_docs: {len(problems)} problems")
    sys.exit(1 if problems else 0)

if __name__ == '__main__': main()
