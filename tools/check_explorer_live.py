"""Open the interactive explorer in a real JupyterLab, in a headless Chromium, and drive it like a user.

Not part of the test suite (it needs a browser): the notebook tests call the explorer's update function
directly. This script checks what they cannot: that the widgets render in JupyterLab, that moving the scale
slider and picking a protocol redraw the figure, and that the kernel reports no error. Screenshots go to
`--out`.

    pip install playwright            # the Python package only; no browser download
    apt-get install chromium          # or point --chromium at any Chromium/Chrome
    python tools/check_explorer_live.py --out /tmp/explorer_live

Exit status 0 when every step was seen in the browser, 1 otherwise (the failing step is printed).
"""
from __future__ import annotations
import argparse, hashlib, json, secrets, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

SETUP = """\
import tempfile
from pathlib import Path
from fer_lowres.data import synthetic_faceset
from fer_lowres.learner import train_teacher, train_student
from fer_lowres.widgets import explorer, explore_faces
tmp = Path(tempfile.mkdtemp())
small = dict(model_kwargs=dict(widths=(8, 16, 32, 64)), keep_best=False)
dls = synthetic_faceset(300, 60, 60).dataloaders(bs=32, augment=False)
train_teacher(dls, 'vgg_fer', epochs=2, **small).save_fer(tmp/'teacher')
train_student(dls, 'vgg_fer', scale=4, mode='native', epochs=2, **small).save_fer(tmp/'student')"""
SHOW = "ui = explorer(tmp/'teacher', tmp/'student', explore_faces(n_lfw=2, n_fer2013=2))\nui"


def notebook(path: Path):
    cells = [dict(cell_type='code', execution_count=None, id=f'c{i}', metadata={}, outputs=[], source=s)
             for i, s in enumerate((SETUP, SHOW))]
    path.write_text(json.dumps(dict(cells=cells, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3',
                                                                              language='python')),
                                    nbformat=4, nbformat_minor=5)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def wait_http(url: str, timeout: float):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2): return
        except Exception: time.sleep(0.5)
    raise SystemExit(f'JupyterLab did not answer at {url} within {timeout:.0f} s')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', type=Path, default=Path('explorer_live'), help='folder for screenshots')
    parser.add_argument('--chromium', default=shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome'))
    parser.add_argument('--timeout', type=float, default=240, help='seconds to wait for each step')
    args = parser.parse_args()
    if not args.chromium: raise SystemExit('no Chromium found: install one (apt-get install chromium) or pass --chromium PATH')
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp())
    notebook(root / 'explorer_live.ipynb')
    port, token = free_port(), secrets.token_hex(8)
    lab = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--port={port}', '--ip=127.0.0.1',
                            f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}', '--ServerApp.allow_root=True'],
                           stdout=subprocess.DEVNULL, stderr=open(args.out / 'jupyterlab.log', 'w'))
    steps, ok = [], True

    def step(name, fn):
        nonlocal ok
        start = time.time()
        try: result = fn()
        except Exception as e:
            ok = False; print(f'FAIL  {name}: {type(e).__name__}: {str(e).splitlines()[0][:300]}', flush=True)
            page.screenshot(path=str(args.out / f'fail_{len(steps)}.png')); steps.append((name, False)); return None
        print(f'ok    {name} ({time.time() - start:.1f} s){": " + str(result) if result is not None else ""}', flush=True)
        steps.append((name, True)); return result

    try:
        wait_http(f'http://127.0.0.1:{port}/api?token={token}', 60)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=['--no-sandbox'])
            page = browser.new_page(viewport=dict(width=1400, height=1100))
            errors = []
            page.on('pageerror', lambda e: errors.append(str(e)))
            ms = int(args.timeout * 1000)
            step('JupyterLab opens the notebook', lambda: page.goto(
                f'http://127.0.0.1:{port}/lab/tree/explorer_live.ipynb?token={token}', timeout=ms) and
                page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=ms) and None)
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"], .jp-Toolbar-kernelStatus', timeout=ms)
            time.sleep(2)

            def run_all():
                page.click('.jp-Notebook')
                page.locator('.lm-MenuBar-itemLabel', has_text='Run').first.click()
                page.locator('.lm-Menu-itemLabel', has_text='Run All Cells').first.click()
            step('Run > Run All Cells', run_all)

            figure = '.jp-OutputArea .widget-output img, .jp-OutputArea .jupyter-widgets-output-area img'
            def rendered():
                end = time.time() + args.timeout
                while time.time() < end:   # the figure, or the first traceback, whichever comes first
                    if page.locator('.widget-slider').count() and page.locator(figure).count():
                        return 'slider, dropdowns and the figure are on the page'
                    tracebacks = [t for t in page.locator('.jp-OutputArea-output').all_inner_texts() if 'Traceback' in t]
                    if tracebacks: raise RuntimeError(tracebacks[0].strip().splitlines()[-1])
                    time.sleep(0.5)
                raise TimeoutError(f'no explorer within {args.timeout:.0f} s')
            step('the explorer renders (widgets + figure)', rendered)
            page.screenshot(path=str(args.out / '1_rendered.png'), full_page=True)

            def image_hash(): return hashlib.sha1(page.locator(figure).first.get_attribute('src').encode()).hexdigest()[:12]
            def changes(action, what):
                before = image_hash(); action()
                end = time.time() + args.timeout
                while time.time() < end:
                    time.sleep(0.5)
                    try:
                        if image_hash() != before: return f'{what}: figure {before} -> {image_hash()}'
                    except Exception: pass   # the output area is between clear and redraw
                raise TimeoutError(f'{what}: the figure did not change within {args.timeout:.0f} s')

            def set_scale():
                readout = page.locator('.widget-slider .widget-readout').first
                readout.click(); page.keyboard.press('Control+A'); page.keyboard.type('8'); page.keyboard.press('Enter')
            step('scale slider to 8 redraws', lambda: changes(set_scale, 'scale 8'))
            page.screenshot(path=str(args.out / '2_scale8.png'), full_page=True)

            def set_protocol():
                page.locator('.widget-dropdown select').nth(1).select_option('nearest')
            step("protocol 'nearest' redraws", lambda: changes(set_protocol, 'protocol nearest'))
            def set_face():
                select = page.locator('.widget-dropdown select').first
                options = select.locator('option').all_inner_texts()
                select.select_option(options[-1])
            step('another face redraws', lambda: changes(set_face, 'last face'))

            def upload():
                from PIL import Image
                import skimage.data
                face = Image.fromarray(skimage.data.astronaut()[30:230, 140:320]).convert('L').resize((40, 40))
                path = args.out / 'uploaded_face.png'; face.save(path)
                with page.expect_file_chooser() as chooser:   # what a user does: click the button, pick a file
                    page.locator('.widget-upload').first.click()
                chooser.value.set_files(str(path))
            def uploaded():
                result = changes(upload, 'upload a 40 px PNG')
                picked = page.locator('.widget-dropdown select').first.evaluate('s => s.value')
                if 'uploaded_face.png' not in picked: raise RuntimeError(f'the face picker shows {picked!r} after the upload')
                return f'{result}; picker shows {picked!r}'
            step('an uploaded file becomes the face', uploaded)
            page.screenshot(path=str(args.out / '4_uploaded.png'), full_page=True)
            page.screenshot(path=str(args.out / '3_after.png'), full_page=True)

            def no_errors():
                text = page.locator('.jp-OutputArea').all_inner_texts()
                bad = [t for t in text if 'Traceback' in t or 'cannot show' in t]
                if bad: raise RuntimeError(bad[0][:300])
                if errors: raise RuntimeError(f'browser console: {errors[0][:300]}')
                return 'no traceback in the outputs, no page error'
            step('no errors', no_errors)
            browser.close()
    finally:
        lab.terminate()
        try: lab.wait(10)
        except subprocess.TimeoutExpired: lab.kill()
        shutil.rmtree(root, ignore_errors=True)
    print(f"{sum(s for _, s in steps)}/{len(steps)} steps passed; screenshots in {args.out}")
    sys.exit(0 if ok and steps else 1)


if __name__ == '__main__':
    main()
