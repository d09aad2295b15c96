"""NetSpec (pycaffe's net_spec): names, in-place layers, parameters, and a net
written in Python, trained from Python, saved and scored by tools/test."""
import os
import re
import subprocess

import numpy as np
import pytest

import strata as caffe
from strata import layers as L, params as P
from strata.proto import caffe_pb2


def mlp(db, batch):
    n = caffe.NetSpec()
    n.data, n.label = L.Data(source=db, backend=P.Data.LMDB, batch_size=batch, ntop=2,
                             transform_param=dict(scale=1. / 256))
    n.ip1 = L.InnerProduct(n.data, num_output=32, weight_filler=dict(type='xavier'))
    n.relu1 = L.ReLU(n.ip1, in_place=True)
    n.ip2 = L.InnerProduct(n.relu1, num_output=10, weight_filler=dict(type='xavier'))
    n.loss = L.SoftmaxWithLoss(n.ip2, n.label)
    n.accuracy = L.Accuracy(n.ip2, n.label, include=dict(phase=caffe.TEST))
    return n


def test_names_in_place_and_parameters():
    proto = mlp('db', 50).to_proto()
    assert [l.name for l in proto.layer] == ['data', 'ip1', 'relu1', 'ip2', 'loss', 'accuracy']
    relu = proto.layer[2]
    assert list(relu.bottom) == ['ip1'] and list(relu.top) == ['ip1']
    assert list(proto.layer[3].bottom) == ['ip1']
    assert proto.layer[0].data_param.batch_size == 50
    assert proto.layer[0].data_param.backend == caffe_pb2.DataParameter.LMDB
    assert proto.layer[0].transform_param.scale == pytest.approx(1. / 256)
    assert proto.layer[1].inner_product_param.weight_filler.type == 'xavier'
    assert proto.layer[5].include[0].phase == caffe_pb2.TEST


def test_automatic_names_repeated_fields_and_enums():
    data = L.Input(shape=dict(dim=[2, 3, 8, 8]))
    conv = L.Convolution(data, kernel_size=3, num_output=4, pad=1)
    pool = L.Pooling(L.ReLU(conv), pool=P.Pooling.MAX, kernel_size=2, stride=2)
    a, b = L.Slice(pool, ntop=2, slice_point=[2])
    L.Silence(a, ntop=0)  # a layer with no tops: not reachable from tops, so not written
    proto = caffe.to_proto(b)
    assert [l.name for l in proto.layer] == ['Input1', 'Convolution1', 'ReLU1', 'Pooling1', 'Slice1']
    assert list(proto.layer[-1].top) == ['Slice1', 'Slice2']
    assert list(proto.layer[1].convolution_param.kernel_size) == [3]
    assert proto.layer[3].pooling_param.pool == caffe_pb2.PoolingParameter.MAX
    assert list(proto.layer[0].input_param.shape[0].dim) == [2, 3, 8, 8]
    with pytest.raises(TypeError, match='not a top'):
        L.ReLU('data')


def test_written_in_python_trained_saved_and_scored_by_tools_test(fixtures, tmp_path):
    db = os.path.join(fixtures, 'fashion_mnist_test1k_lmdb')
    net_file = tmp_path / 'mlp.prototxt'
    net_file.write_text(str(mlp(db, 50).to_proto()))
    solver_file = tmp_path / 'solver.prototxt'
    solver_file.write_text('net: "%s" base_lr: 0.05 momentum: 0.9 lr_policy: "fixed" '
                           'max_iter: 1000 snapshot_prefix: "%s" random_seed: 1701'
                           % (net_file, tmp_path / 'snap'))
    solver = caffe.SGDSolver(str(solver_file))
    solver.step(100)
    weights = str(tmp_path / 'mlp.caffemodel')
    solver.net.save(weights)
    net = caffe.Net(str(net_file), weights, caffe.TEST)
    accuracy = np.mean([float(net.forward()['accuracy']) for _ in range(20)])
    assert accuracy > 0.6
    tool = os.path.join(os.environ.get('STRATA_TOOLS', 'build/tools'), 'test')
    out = subprocess.run([tool, '--model', str(net_file), '--weights', weights,
                          '--iterations', '20'], capture_output=True, text=True, check=True)
    printed = re.search(r'accuracy = ([0-9.]+)', out.stdout + out.stderr)
    assert printed, out.stdout + out.stderr
    assert float(printed.group(1)) == pytest.approx(accuracy, abs=1e-4)
