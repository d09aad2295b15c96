"""Strata from Python, with pycaffe's names: a pycaffe script runs with

    import strata as caffe

Nets, blobs (NumPy views of Strata's memory), layers and solvers come from the
C++ core (_strata); this package adds pycaffe's conveniences on top of it, as
pycaffe.py does on _caffe. Strata runs on the CPU only.
"""
from ._strata import (TRAIN, TEST, Blob, ConfigError, DataError, IoError, Net,
                      NumericalError, ShapeError, Solver, StrataError, AdaDeltaSolver,
                      AdaGradSolver, AdamSolver, AdamWSolver, NesterovSolver, RMSPropSolver,
                      SGDSolver, check_gradients, get_solver, layer_type_list,
                      set_num_threads, set_random_seed)
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
    'Classifier', 'Detector', 'check_gradients',
]


def set_mode_cpu():
    """Strata always runs on the CPU; kept for pycaffe scripts."""


def set_mode_gpu():
    raise RuntimeError('Strata runs on the CPU only; remove set_mode_gpu() '
                       '(or call set_mode_cpu())')


def set_device(device_id):
    raise RuntimeError('Strata runs on the CPU only; there is no device %r to choose' % (device_id,))
