#!/usr/bin/env python3
"""Gather face-free pictures from Debian packages into OUT/train and OUT/valid, for `tools/train_detector.py --negatives`.

The detector needs photos without faces to learn what is not a face, and nothing may be downloaded at run time,
so they come from packages that install offline (`apt-get`, as root):

  apt-get install mate-backgrounds ukui-wallpapers plasma-workspace-wallpapers gnome-backgrounds lxqt-themes \\
                  desktop-base lomiri-wallpapers lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 \\
                  stellarium-data extremetuxracer-data gimp-data trigger-rally-data \\
                  palapeli-data gimp-data-extras ufoai-textures openarena-081-textures
  python tools/face_free_pictures.py /tmp/face_free --split fer_lowres/weights/mtcnn_fer/training.json
  OMP_NUM_THREADS=2 python tools/train_detector.py --hard-from ROUND1 --negatives /tmp/face_free/train

Photos: every picture under the wallpaper, landscape, terrain and jigsaw-puzzle folders of those packages, linked (not
copied) under a name made of its path. Textures: GIMP's patterns (its own `.pat` format, decoded here), Trigger Rally's
terrain colour maps, and the textures of two games, UFO: Alien Invasion and OpenArena: close photos of stone, gravel,
metal, wood, machines and walls, the kind of picture the detector took for faces (at least 128 px, opaque, no
normal or gloss maps, some folders and the screened-out files of `SCREENED_OUT` left out); all written as PNG and tiled
to at least 384 px. Each picture goes to `train` or `valid`: as the
card given with `--split` lists them (its `negative_files`, so the shipped nets' pictures are found again), else
by a coin with `--seed` (all the sizes of one wallpaper on the same side). The `valid` half is for choosing
settings such as `MTCNN_FER_VETO` (`bench/detect_veto.py`); never train on it.
The photos were screened by eye (contact sheets) and with both MTCNNs, the textures by eye: they hold no face (a
dog, clouds and dandelions were the only face-like things; the game textures with faces, skulls, figures, posters
and paintings are in `SCREENED_OUT`). `--split CARD --others` keeps the card's halves and halves the pictures it does
not list by the coin (how a new round adds pictures).
"""
import argparse, functools, io, json, os, struct, sys, zipfile
from pathlib import Path

PHOTO_FOLDERS = ('/usr/share/backgrounds', '/usr/share/wallpapers', '/usr/share/lxqt/wallpapers', '/usr/share/desktop-base',
                 '/usr/share/stellarium/landscapes', '/usr/share/games/etr/terrains', '/usr/share/palapeli')
GIMP_PATTERNS, TRIGGER_DATA = '/usr/share/gimp/2.0/patterns', '/usr/share/games/trigger-rally/data.zip'
# Game textures: close photos of stone, gravel, metal, wood, machines and walls (zip archives of JPEG/PNG/TGA files).
# Folders left out: pictures, posters, signs, lights, effects, alien and flesh-like things.
PK3_TEXTURES = {'ufoai': ('/usr/share/games/ufoai/base/0textures.pk3', ('tex_pics', 'tex_shop', 'tex_anim', 'tex_lights', 'tex_alienb', 'tex_ufo')),
                'openarena': ('/usr/share/games/openarena/baseoa/pak4-textures.pk3', ('clown', 'skin', 'sfx', 'flares', 'organics', 'liquids', 'oquartz'))}
TEXTURE_MAPS = ('_nm.', '_gm.', '_sm.', '_rm.', '_norm', '_bump', '_glow', '_gloss', '_spec', '_h.', '_n.', '_s.')  # not pictures: normal, gloss, height maps
# Left out after screening by eye (contact sheets, and the windows both MTCNNs found): faces, skulls, figures, posters, paintings, graffiti.
SCREENED_OUT = {
    'openarena': ('base_floor/manhole', 'base_wall/basewall03', 'gothic_block/blocks15_relief', 'gothic_cath/graycathflesh', 'gothic_cath/xiandm9door',
                  'gothic_trim/columnsupportbottoms', 'gothic_trim/metaldemonkillblock', 'gothic_trim/skullsvert', 'khaooohs/egg',
                  'proto2/concrete03c_sku', 'proto2/marble_relief'),
    'ufoai': ('tex_buildings/japdoor001', 'tex_buildings/japwall001', 'tex_buildings/japwall008', 'tex_buildings/japwall009',
              'tex_buildings/japwall010', 'tex_furniture/clothes', 'tex_furniture/table001', 'tex_furniture/table002', 'tex_mattn/art00',
              'tex_mattn/door054', 'tex_mattn/door065', 'tex_mattn/egypt00', 'tex_mattn/rack.', 'tex_mattn/sign001', 'tex_mattn/sign004',
              'tex_mattn/sign005', 'tex_mattn/wall060', 'tex_mattn/wall074', 'tex_mattn/wall086', 'tex_misc/advert',
              'tex_misc/display_basketball', 'tex_misc/dvd_ufoai', 'tex_misc/exit_', 'tex_misc/glasses_', 'tex_misc/jgong',
              'tex_misc/office_sep', 'tex_misc/sign_stairs', 'tex_tech/radio001', 'tex_tech/tv_news')}


def read_gimp_pattern(path):
    "A GIMP `.pat` file as an (H, W, 3) uint8 array (a big-endian header, 'GPAT', then the pixels, 1-4 bytes each)."
    import numpy as np
    b = Path(path).read_bytes()
    if len(b) < 24 or b[20:24] != b'GPAT': raise ValueError(f"{path}: not a GIMP pattern (expected 'GPAT' at byte 20)")
    header, _, w, h, depth = struct.unpack('>5I', b[:20])
    if depth not in (1, 2, 3, 4) or len(b) < header + w * h * depth:
        raise ValueError(f"{path}: a {w}x{h} pattern of {depth} bytes per pixel needs {header + w * h * depth} bytes, the file has {len(b)}")
    a = np.frombuffer(b[header:header + w * h * depth], np.uint8).reshape(h, w, depth)
    return np.repeat(a[..., :1], 3, 2) if depth < 3 else a[..., :3].copy()


def _tiled(a, side=384):
    import numpy as np
    return np.tile(a, (-(-side // a.shape[0]), -(-side // a.shape[1]), 1)) if min(a.shape[:2]) < side else a


def _opaque(z, name, side=128):
    "The texture `name` of zip `z` as an RGB array if it is at least `side` px and (nearly) opaque, else None."
    import numpy as np
    from PIL import Image
    try: im = Image.open(io.BytesIO(z.read(name)))
    except OSError as e: raise ValueError(f"{z.filename}: {name} is not a picture PIL can read ({e})") from e
    if min(im.size) < side: return None
    if im.mode in ('RGBA', 'LA') or (im.mode == 'P' and 'transparency' in im.info):
        if (np.asarray(im.convert('RGBA'))[..., 3] < 250).mean() > 0.01: return None
    return np.asarray(im.convert('RGB'))


def _wallpaper(f: Path):
    "The folder of a Plasma-style wallpaper (`NAME/contents/images*/WxH.jpg`) that `f` is one size of, else None."
    return f.parents[2] if f.parent.name.startswith('images') and f.parents[1].name == 'contents' else None

def _pixels(f: Path):
    w, _, h = f.stem.partition('x')
    return int(w) * int(h) if w.isdigit() and h.isdigit() else 0

def sources(every_size: bool = False):
    """Every (name, kind, origin, group) this tool finds on this machine: kind 'photo' (a file to link) or 'texture'
    (decoded). A file linked under several names counts once, under its real path; of a wallpaper in many sizes only
    the largest counts (and no screenshot of it), unless `every_size`. `group`: pictures that go to the same half."""
    from fer_lowres.detect_train import picture_files
    out, seen = [], set()
    for folder in PHOTO_FOLDERS:
        try: found = picture_files(folder)
        except (FileNotFoundError, ValueError): continue   # a package not installed, or a folder without pictures
        files = sorted({f.resolve() for f in found} - seen)
        seen.update(files)
        if not every_size:
            largest = {}
            for f in files:
                if _wallpaper(f) and _pixels(f) > _pixels(largest.get(f.parent, Path('0x0'))): largest[f.parent] = f
            files = [f for f in files if (not _wallpaper(f) or largest[f.parent] == f) and not (f.parent.name == 'contents' and f.stem == 'screenshot')]
        out += [(str(f).lstrip('/').replace('/', '__'), 'photo', str(f), str(_wallpaper(f) or f)) for f in files]
    if Path(GIMP_PATTERNS).is_dir():
        out += [(f'gimp_{f.parent.name}_{f.stem}.png', 'texture', str(f), str(f)) for f in sorted(Path(GIMP_PATTERNS).glob('*/*.pat')) + sorted(Path(GIMP_PATTERNS).glob('*.pat'))]   # gimp-data, gimp-data-extras
    if Path(TRIGGER_DATA).is_file():
        names = zipfile.ZipFile(TRIGGER_DATA).namelist()
        out += [(f"trigger_{n.split('/')[1]}.png", 'texture', f'{TRIGGER_DATA}:{n}', n) for n in sorted(names) if n.startswith('maps/') and n.endswith('/c.jpg')]
    return out + _game_textures()


@functools.lru_cache(maxsize=1)
def _game_textures():
    "The eligible textures of `PK3_TEXTURES` as `sources` lists them (each file is decoded to check it: done once)."
    out = []
    for game, (archive, skip) in PK3_TEXTURES.items():
        if not Path(archive).is_file(): continue
        z, chosen = zipfile.ZipFile(archive), {}
        for n in sorted(z.namelist()):
            if (n.startswith('textures/') and n.lower().endswith(('.jpg', '.png', '.tga')) and not any(m in n for m in TEXTURE_MAPS)
                    and n.split('/')[1] not in skip and not any(x in n for x in SCREENED_OUT[game]) and _opaque(z, n) is not None):
                chosen[f"{game}_{n[9:].rsplit('.', 1)[0].replace('/', '__')}.png"] = f'{archive}:{n}'   # foo.jpg and foo.tga: the last one
        out += [(name, 'texture', origin, origin) for name, origin in chosen.items()]
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out', help='folder to write train/ and valid/ into')
    p.add_argument('--split', default=None, help="a detector card (training.json) whose negative_files['train'] names the training half")
    p.add_argument('--seed', type=int, default=0, help='the coin that halves the pictures (with --split, those the card does not list, if --others)')
    p.add_argument('--others', action='store_true', help="with --split: also the pictures the card does not list, halved by the coin")
    a = p.parse_args(argv)
    if a.others and not a.split: p.error('--others adds to the halves of a card: give --split CARD too')
    import numpy as np
    from PIL import Image
    if a.split:
        card = json.loads(Path(a.split).read_text())
        if 'negative_files' not in card: sys.exit(f"{a.split}: has no 'negative_files' (the card of nets trained with these pictures has)")
        halves = {n: h for h in ('train', 'valid') for n in card['negative_files'][h]}
        found = [s for s in sources(every_size=True) if s[0] in halves]
        missing = set(halves) - {s[0] for s in found}
        if missing: print(f"warning: {len(missing)} pictures of {a.split} are not on this machine, e.g. {sorted(missing)[:3]}", file=sys.stderr)
        others = [s for s in sources() if s[0] not in halves] if a.others else []
        if others: print(f"{len(others)} pictures that {a.split} does not list: halved by the coin (--seed {a.seed})")
        found += others
    else: halves, found = {}, sources()
    rng = np.random.default_rng(a.seed)
    coin = {g: 'train' if rng.random() < 0.5 else 'valid' for g in dict.fromkeys(s[3] for s in found if s[0] not in halves)}
    half = lambda name, group: halves[name] if name in halves else coin[group]
    if not found: sys.exit(f"no face-free pictures found: install the Debian packages named in {__file__}'s docstring")
    zips = {}
    def texture(origin):
        if origin.endswith('.pat'): return read_gimp_pattern(origin)
        archive, _, name = origin.rpartition(':')                  # a picture in a zip archive
        return _opaque(zips.setdefault(archive, zipfile.ZipFile(archive)), name, 0)
    counts = {'train': 0, 'valid': 0}
    for name, kind, origin, group in found:
        h = half(name, group); dest = Path(a.out) / h / name; dest.parent.mkdir(parents=True, exist_ok=True); counts[h] += 1
        if dest.exists() or dest.is_symlink(): dest.unlink()
        if kind == 'photo': os.symlink(origin, dest); continue
        Image.fromarray(_tiled(texture(origin))).save(dest)
    print(f"{counts['train']} pictures in {Path(a.out) / 'train'}, {counts['valid']} in {Path(a.out) / 'valid'}")


if __name__ == '__main__':
    main()
