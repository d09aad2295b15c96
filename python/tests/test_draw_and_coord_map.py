"""strata.draw (pydot graphs of nets) and strata.coord_map (aligning tops
with Crop), on nets written with NetSpec."""
import numpy as np
import pytest

import strata as caffe
from strata import coord_map, draw
from strata import layers as L
from strata import params as P
from strata.proto import caffe_pb2


def fcn(conv_pad=3):
    """data -> conv 5x5 -> 2x2 max pool -> 4x4 deconvolution, stride 2."""
    n = caffe.NetSpec()
    n.data = L.Input(shape=dict(dim=[1, 1, 8, 8]))
    n.conv = L.Convolution(n.data, num_output=2, kernel_size=5, pad=conv_pad,
                           weight_filler=dict(type='xavier'))
    n.relu = L.ReLU(n.conv, in_place=True)
    n.pool = L.Pooling(n.relu, pool=P.Pooling.MAX, kernel_size=2, stride=2)
    n.up = L.Deconvolution(n.pool, convolution_param=dict(num_output=1, kernel_size=4, stride=2))
    return n


def test_coord_maps_compose_through_conv_pool_and_deconv():
    n = fcn()
    # conv: y = x + 3 - 2; pool: z = y / 2 - 1/4; deconv: w = 2 z + 3/2; so w = x + 2.
    axis, a, b = coord_map.coord_map_from_to(n.up, n.data)
    assert axis == 1
    np.testing.assert_allclose(a, 1)
    np.testing.assert_allclose(b, -2)
    axis, a, b = coord_map.coord_map_from_to(n.pool, n.data)
    np.testing.assert_allclose([a, b], [[2], [-0.5]])


def test_crop_aligns_and_the_net_runs(tmp_path):
    n = fcn()
    n.score = coord_map.crop(n.up, n.data)
    proto = n.to_proto()
    crop = [layer for layer in proto.layer if layer.type == 'Crop'][0]
    assert crop.crop_param.axis == 2 and list(crop.crop_param.offset) == [2]
    path = tmp_path / 'fcn.prototxt'
    path.write_text(str(proto))
    net = caffe.Net(str(path), caffe.TEST)
    out = net.forward(data=np.random.RandomState(0).rand(1, 1, 8, 8).astype(np.float32))
    np.testing.assert_array_equal(out['score'], net.blobs['up'].data[:, :, 2:10, 2:10])


def test_crop_refuses_what_cannot_align():
    n = fcn()
    with pytest.raises(ValueError, match='scale'):
        coord_map.crop(n.pool, n.data)
    unpadded = fcn(conv_pad=0)  # w = x - 1: the deconvolution falls short of the input
    with pytest.raises(ValueError, match='negative offset'):
        coord_map.crop(unpadded.up, unpadded.data)
    n.ip = L.InnerProduct(n.pool, num_output=3)
    other = L.Input(shape=dict(dim=[1, 1, 8, 8]))
    with pytest.raises(RuntimeError, match='connected'):
        coord_map.coord_map_from_to(n.ip, other)


def test_draw_net_to_file_and_phases(tmp_path):
    n = fcn()
    n.loss = L.EuclideanLoss(n.up, n.up, include=dict(phase=caffe.TRAIN))
    proto = n.to_proto()
    proto.name = 'fcn'
    graph = draw.get_pydot_graph(proto, 'LR')
    labels = [node.get_name() for node in graph.get_nodes()]
    assert '"conv (Convolution)\\nkernel size: 5\\nstride: 1\\npad: 3"' in labels
    assert '"pool (Pooling)\\npool type: MAX\\nkernel size: 2\\nstride: 2\\npad: 0"' in labels
    in_place = [node for node in graph.get_nodes() if node.get_name() == '"relu (ReLU)"']
    assert in_place[0].get('fillcolor') == draw.NEURON_LAYER_STYLE['fillcolor']
    assert any(e.get_label() == '2' for e in graph.get_edges())  # conv's num_output
    test_graph = draw.get_pydot_graph(proto, 'TB', phase=caffe_pb2.TEST)
    assert not any('EuclideanLoss' in node.get_name() for node in test_graph.get_nodes())
    png = tmp_path / 'fcn.png'
    draw.draw_net_to_file(proto, str(png))
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert draw.draw_net(proto, 'LR', ext='dot').startswith(b'digraph fcn')
