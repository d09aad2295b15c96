"""The schema's generated modules (blob_pb2, net_pb2, solver_pb2) and caffe_pb2,
which gathers their messages under pycaffe's module name."""
