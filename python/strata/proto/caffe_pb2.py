"""Every message and enum of Strata's schema under pycaffe's module name: the
schema keeps Caffe's message names, so code written against caffe_pb2
(caffe_pb2.NetParameter(), caffe_pb2.Datum(), caffe_pb2.TRAIN) works."""
from .blob_pb2 import *  # noqa: F401,F403
from .net_pb2 import *  # noqa: F401,F403
from .solver_pb2 import *  # noqa: F401,F403
