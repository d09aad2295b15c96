"""Python layers (type "Python") in nets made from Python."""
import numpy as np
import pytest

import strata as caffe

SCALE_NET = '''
name: "scale" force_backward: true
layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
layer { name: "py" type: "Python" bottom: "x" top: "y"
        python_param { module: "py_layers" layer: "%s" param_str: "2.5" } }
'''


def test_forward_and_backward_run_in_python(write):
    net = caffe.Net(write('net.prototxt', SCALE_NET % 'Scale'), caffe.TRAIN)
    assert net.layer_dict['py'].type == 'Python'
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(net.forward(x=x)['y'], 2.5 * x)
    grads = net.backward(y=np.ones((2, 3), np.float32))
    np.testing.assert_allclose(grads['x'], 2.5)


def test_python_layers_write_the_nets_memory(write):
    """The blobs a Python layer gets are views of the net's own memory: what
    it reads and writes is not copied."""
    import py_layers
    net = caffe.Net(write('net.prototxt', SCALE_NET % 'RecordsAddresses'), caffe.TEST)
    net.forward(x=np.ones((2, 3), np.float32))
    address = py_layers.RecordsAddresses.addresses
    assert address['bottom'] == net.blobs['x'].data.__array_interface__['data'][0]
    assert address['top'] == net.blobs['y'].data.__array_interface__['data'][0]
    np.testing.assert_allclose(net.blobs['y'].data, 2.5)


def test_a_python_data_layer_feeds_training(write, tmp_path):
    net = write('train.prototxt', '''
        name: "clusters"
        layer { name: "data" type: "Python" top: "data" top: "label"
                python_param { module: "py_layers" layer: "Clusters"
                               param_str: '{"batch": 32, "dims": 4, "classes": 3}' } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
                inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
        ''')
    solver = caffe.SGDSolver(write('solver.prototxt',
                                   'net: "%s" base_lr: 0.05 momentum: 0.9 lr_policy: "fixed" '
                                   'max_iter: 200 snapshot_prefix: "%s"' % (net, tmp_path / 's')))
    solver.step(1)
    first = float(solver.net.blobs['loss'].data)
    solver.step(100)
    assert float(solver.net.blobs['loss'].data) < first / 4


def test_python_errors_name_the_layer(write):
    with pytest.raises(caffe.ConfigError, match='cannot load no_such_module.Scale'):
        caffe.Net(write('a.prototxt', SCALE_NET.replace('py_layers', 'no_such_module') % 'Scale'),
                  caffe.TEST)
    with pytest.raises(caffe.ConfigError, match='cannot load py_layers.Missing'):
        caffe.Net(write('b.prototxt', SCALE_NET % 'Missing'), caffe.TEST)
    with pytest.raises(caffe.ConfigError, match='left top 0 without a shape'):
        caffe.Net(write('c.prototxt', SCALE_NET % 'NoReshape'), caffe.TEST)
    net = caffe.Net(write('d.prototxt', SCALE_NET % 'Raises'), caffe.TEST)
    with pytest.raises(caffe.DataError, match="layer 'py'.*deliberate failure in forward"):
        net.forward()


AFFINE_NET = '''
name: "affine" force_backward: true
layer { name: "x" type: "DummyData" top: "x"
        dummy_data_param { shape { dim: 16 dim: 3 } data_filler { type: "gaussian" } } }
layer { name: "target" type: "Power" bottom: "x" top: "target"
        power_param { scale: 2 shift: 1 } }
layer { name: "affine" type: "Python" bottom: "x" top: "y"
        python_param { module: "py_layers" layer: "Affine" } }
layer { name: "loss" type: "EuclideanLoss" bottom: "y" bottom: "target" top: "loss" }
'''


def test_python_layers_learn_their_own_parameters(write, tmp_path):
    net_file = write('affine.prototxt', AFFINE_NET)
    net = caffe.Net(net_file, caffe.TRAIN)
    w, b = net.params['affine']
    assert len(net.layer_dict['affine'].blobs) == 2 and w.data.shape == (3,)
    assert net.blob_loss_weights['loss'] == 1 and net.blob_loss_weights['y'] == 0
    [check] = caffe.check_gradients(net, layer='affine', max_checks=0)
    assert check['passed'] and check['checked'] == 16 * 3 + 2 * 3
    # Fresh x each pass, target = 2 x + 1: the solver finds w = 2, b = 1.
    solver = caffe.SGDSolver(write('solver.prototxt',
                                   'net: "%s" base_lr: 0.1 momentum: 0.9 lr_policy: "fixed" '
                                   'max_iter: 300 snapshot_prefix: "%s"' % (net_file, tmp_path / 's')))
    solver.step(300)
    w, b = solver.net.params['affine']
    np.testing.assert_allclose(w.data, 2, atol=1e-3)
    np.testing.assert_allclose(b.data, 1, atol=1e-3)
    # Saved and loaded like any layer's parameters.
    solver.net.save(str(tmp_path / 'affine.caffemodel'))
    loaded = caffe.Net(net_file, str(tmp_path / 'affine.caffemodel'), caffe.TEST)
    np.testing.assert_array_equal(loaded.params['affine'][0].data, w.data)
    with pytest.raises(IndexError):
        loaded.layer_dict['affine'].blobs[2]
