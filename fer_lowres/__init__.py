__version__ = "0.1.0"

import warnings as _warnings
# fastai 2.8 calls `torch.jit.script` while it is imported, which torch 2.14 deprecates: a warning about
# fastai's internals that a user can do nothing about, printed at the top of every notebook. Silence only it.
_warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
