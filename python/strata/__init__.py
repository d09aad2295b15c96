"""Strata from Python, with pycaffe's names: a pycaffe script runs with

    import strata as caffe

Nets, blobs (NumPy views of Strata's memory), layers and solvers come from the
C++ core (_strata); this package adds pycaffe's conveniences on top of it, as
pycaffe.py does on _caffe. Strata runs on the CPU only.
"""
import time as _time

from ._strata import (TRAIN, TEST, Blob, ConfigError, DataError, IoError, Net,
                      NumericalError, ShapeError, Solver, StrataError, AdaDeltaSolver,
                      AdaGradSolver, AdamSolver, AdamWSolver, NesterovSolver, RMSPropSolver,
                      SGDSolver, __version__, check_gradients, get_solver, has_nccl, init_log,
                      layer_type_list, log, set_multiprocess, set_num_threads, set_random_seed,
                      set_solver_count, set_solver_rank, solver_count, solver_rank)
from . import net as _net  # noqa: F401  (adds pycaffe's properties and methods to Net)
from .net_spec import NetSpec, layers, params, to_proto
from . import io  # noqa: F401
from .layer import Layer
from .classifier import Classifier
from .detector import Detector

__all__ = [
    'TRAIN', 'TEST', 'Net', 'Blob', 'Layer', 'Solver', 'SGDSolver', 'NesterovSolver',
    'AdaGradSolver', 'RMSPropSolver', 'AdaDeltaSolver', 'AdamSolver', 'AdamWSolver',
    'get_solver', 'layer_type_list', 'set_mode_cpu', 'set_mode_gpu', 'set_device',
    'set_random_seed', 'set_num_threads', 'StrataError', 'ConfigError', 'ShapeError',
    'IoError', 'DataError', 'NumericalError', 'NetSpec', 'layers', 'params', 'to_proto',
    'Classifier', 'Detector', 'check_gradients', 'Timer', 'NCCL', 'init_log', 'log', 'has_nccl',
    'solver_count', 'set_solver_count', 'solver_rank', 'set_solver_rank', 'set_multiprocess',
]


def set_mode_cpu():
    """Strata always runs on the CPU; kept for pycaffe scripts."""


def set_mode_gpu():
    raise RuntimeError('Strata runs on the CPU only; remove set_mode_gpu() '
                       '(or call set_mode_cpu())')


def set_device(device_id):
    raise RuntimeError('Strata runs on the CPU only; there is no device %r to choose' % (device_id,))


class Timer(object):
    """pycaffe's Timer: start(), stop(), and the milliseconds between in .ms."""

    def __init__(self):
        self._start = self._stop = None

    def start(self):
        self._start, self._stop = _time.perf_counter(), None

    def stop(self):
        if self._start is not None:
            self._stop = _time.perf_counter()

    @property
    def ms(self):
        if self._start is None:
            return 0.0
        end = self._stop if self._stop is not None else _time.perf_counter()
        return (end - self._start) * 1e3


class NCCL(object):
    """pycaffe's multi-GPU reduction; Strata has no GPUs."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError('NCCL reduces gradients between GPUs, which Strata does not use; '
                           'train with one solver')
