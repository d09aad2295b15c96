"""strata.Net with pycaffe's interface, against Caffe-made fixtures."""
import gc
import gzip
import os

import numpy as np
import pytest

import strata
import strata as caffe  # pycaffe scripts' spelling

TEST_IMAGES = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'
TEST_LABELS = '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'


def fashion_mnist_test(count):
    with gzip.open(TEST_IMAGES) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16)[:count * 784]
    with gzip.open(TEST_LABELS) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:count]
    return images.reshape(count, 1, 28, 28).astype(np.float32) / 256, labels


def lenet(fixtures, phase=caffe.TEST):
    return caffe.Net(os.path.join(fixtures, 'lenet_deploy.prototxt'),
                     os.path.join(fixtures, 'lenet_fashion_iter_10000.caffemodel'), phase)


def test_constants_and_layer_types():
    assert (caffe.TRAIN, caffe.TEST) == (0, 1)
    types = caffe.layer_type_list()
    for t in ('Convolution', 'InnerProduct', 'LSTM', 'Data'):
        assert t in types
    caffe.set_mode_cpu()
    with pytest.raises(RuntimeError, match='CPU only'):
        caffe.set_mode_gpu()


def test_caffes_lenet_classifies_fashion_mnist(fixtures):
    net = lenet(fixtures)
    assert net.inputs == ['data']
    assert net.outputs == ['prob']
    assert list(net.blobs)[:3] == ['data', 'conv1', 'pool1']
    assert list(net.params) == ['conv1', 'conv2', 'ip1', 'ip2']
    assert net.params['conv1'][0].data.shape == (20, 1, 5, 5)
    assert net.params['ip2'][1].data.shape == (10,)
    assert net.layer_dict['conv1'].type == 'Convolution'
    assert net.top_names['conv1'] == ['conv1']
    assert net.bottom_names['conv1'] == ['data']
    images, labels = fashion_mnist_test(1000)
    probs = net.forward_all(data=images)['prob']
    assert probs.shape == (1000, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    predicted = probs.argmax(axis=1)
    # Caffe's own run of these weights: ankle boot, pullover first (check_install.sh).
    assert list(predicted[:2]) == [9, 2]
    assert (predicted == labels).mean() > 0.88


def test_forward_by_keyword_and_ranges(fixtures):
    net = lenet(fixtures)
    images, _ = fashion_mnist_test(64)
    out = net.forward(data=images)
    assert set(out) == {'prob'}
    whole = out['prob'].copy()
    # start/end name layers; end's blob and `blobs` come back.
    part = net.forward(end='ip1', blobs=['conv1'])
    assert set(part) == {'ip1', 'conv1'}
    rest = net.forward(start='relu1')
    np.testing.assert_array_equal(rest['prob'], whole)
    with pytest.raises(ValueError, match='items'):
        net.forward(data=images[:10])
    with pytest.raises(ValueError, match='do not match'):
        net.forward(label=images)
    with pytest.raises(KeyError, match='no layer'):
        net.forward(start='conv9')
    # Arrays are taken as float32 only where no value changes.
    np.testing.assert_array_equal(net.forward(data=(images * 256).astype(np.uint8))['prob'].shape,
                                  (64, 10))
    with pytest.raises(ValueError, match='do not all fit float32 exactly'):
        net.forward(data=images.astype(np.float64) + 1e-9)
    with pytest.raises(ValueError, match='shape'):
        net.forward(data=images.reshape(64, 784))
    with pytest.raises(ValueError, match='float32'):
        net.forward(data=images.astype(np.complex64))
    blob = net.blobs['data']
    blob.data = images.astype(np.float64)  # exact: accepted
    np.testing.assert_array_equal(blob.data, images)
    with pytest.raises(ValueError, match='blob.diff has shape'):
        blob.diff = np.zeros((2, 2), np.float32)


def test_blob_views_are_shared_and_outlive_the_net(fixtures):
    net = lenet(fixtures)
    weights = net.params['ip2'][0].data
    assert weights.dtype == np.float32
    weights[0, 0] = 42.0  # the view is the net's memory
    assert net.params['ip2'][0].data[0, 0] == 42.0
    kept = weights[:2].copy()
    del net
    gc.collect()
    np.testing.assert_array_equal(weights[:2], kept)


def test_weights_written_through_a_kept_view_are_used(fixtures):
    # A TEST net's convolutions keep their packed weights while the weights
    # are unchanged; a write through a view kept from before must count.
    net = lenet(fixtures)
    images, _ = fashion_mnist_test(64)
    weights = net.params['conv1'][0].data  # packed (conv2 runs Winograd)
    before = net.forward(data=images)['prob'].copy()
    weights *= -1.5
    after = net.forward(data=images)['prob'].copy()
    assert np.abs(after - before).max() > 1e-3
    weights /= -1.5
    np.testing.assert_allclose(net.forward(data=images)['prob'], before, atol=1e-5)


def test_weights_written_through_a_view_freed_since_are_used(fixtures):
    # A view alive across a pass, written after it and freed before the next:
    # the write must count although no view is alive at the next pass.
    net = lenet(fixtures)
    images, _ = fashion_mnist_test(64)
    before = net.forward(data=images)['prob'].copy()
    weights = net.params['conv1'][0].data
    net.forward(data=images)
    weights *= -1.5
    del weights
    gc.collect()
    after = net.forward(data=images)['prob'].copy()
    assert np.abs(after - before).max() > 1e-3
    net.params['conv1'][0].data[...] /= -1.5  # through a view freed at once
    np.testing.assert_allclose(net.forward(data=images)['prob'], before, atol=1e-5)


def test_backward_matches_finite_differences(write):
    model = write('ip.prototxt', '''
        name: "ip" force_backward: true
        layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y"
                inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 0.5 } } }
        ''')
    net = caffe.Net(model, caffe.TRAIN)
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
    net.forward(x=x)
    dy = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    net.clear_param_diffs()
    grads = net.backward(y=dy)
    w = net.params['ip'][0].data
    np.testing.assert_allclose(grads['x'], dy @ w, rtol=1e-5)
    np.testing.assert_allclose(net.params['ip'][0].diff, dy.T @ x, rtol=1e-5)
    np.testing.assert_allclose(net.params['ip'][1].diff, dy.sum(axis=0), rtol=1e-5)


def test_save_and_copy_from(fixtures, tmp_path):
    net = lenet(fixtures)
    net.params['ip2'][1].data[...] = 7
    path = str(tmp_path / 'changed.caffemodel')
    net.save(path)
    other = lenet(fixtures)
    other.copy_from(path)
    np.testing.assert_array_equal(other.params['ip2'][1].data, 7)
    h5 = str(tmp_path / 'changed.caffemodel.h5')
    net.save_hdf5(h5)
    third = lenet(fixtures)
    third.load_hdf5(h5)
    np.testing.assert_array_equal(third.params['ip2'][1].data, 7)


def test_blob_reshape_then_net_reshape(fixtures):
    net = lenet(fixtures)
    net.blobs['data'].reshape(3, 1, 28, 28)
    net.reshape()
    images, _ = fashion_mnist_test(3)
    assert net.forward(data=images)['prob'].shape == (3, 10)


def test_bad_input_is_a_python_exception(fixtures, write):
    with pytest.raises(strata.IoError):
        caffe.Net(os.path.join(fixtures, 'missing.prototxt'), caffe.TEST)
    with pytest.raises(ValueError, match='TRAIN'):
        caffe.Net(os.path.join(fixtures, 'lenet_deploy.prototxt'), 5)
    net = caffe.Net(os.path.join(fixtures, 'lenet_deploy.prototxt'), caffe.TEST)
    with pytest.raises(strata.IoError):
        net.copy_from(os.path.join(fixtures, 'missing.caffemodel'))
    bad = write('bad.prototxt', 'layer { name: "c" type: "Convolutoin" }')
    with pytest.raises(strata.ConfigError, match='Convolution'):
        caffe.Net(bad, caffe.TEST)
    # Strata's errors are StrataError subclasses.
    assert issubclass(strata.ShapeError, strata.StrataError)


def test_caffe_pb2_reads_caffe_files(fixtures):
    from google.protobuf import text_format
    from strata.proto import caffe_pb2
    param = caffe_pb2.NetParameter()
    with open(os.path.join(fixtures, 'lenet_deploy.prototxt')) as f:
        text_format.Merge(f.read(), param)
    assert [l.type for l in param.layer][:2] == ['Input', 'Convolution']
    weights = caffe_pb2.NetParameter()
    with open(os.path.join(fixtures, 'lenet_fashion_iter_10000.caffemodel'), 'rb') as f:
        weights.ParseFromString(f.read())
    assert any(l.name == 'conv1' and len(l.blobs) == 2 for l in weights.layer)
    assert caffe_pb2.TEST == 1


MEMORY_NET = '''
name: "memory"
layer { name: "data" type: "MemoryData" top: "data" top: "label"
        memory_data_param { batch_size: 2 channels: 1 height: 2 width: 3 } }
layer { name: "flat" type: "Flatten" bottom: "data" top: "flat" }
'''


def test_set_input_arrays_feeds_memory_data(write):
    net = caffe.Net(write('memory.prototxt', MEMORY_NET), caffe.TEST)
    data = np.arange(4 * 6, dtype=np.float32).reshape(4, 1, 2, 3)
    labels = np.arange(4, dtype=np.float32)
    net.set_input_arrays(data, labels)
    del data, labels  # the net keeps them alive
    gc.collect()
    first = net.forward(blobs=['label'])
    np.testing.assert_array_equal(first['flat'], np.arange(12).reshape(2, 6))
    np.testing.assert_array_equal(first['label'], [0, 1])
    np.testing.assert_array_equal(net.forward()['flat'], np.arange(12, 24).reshape(2, 6))
    with pytest.raises(ValueError, match='float32'):
        net.set_input_arrays(np.zeros((2, 1, 2, 3)), np.zeros(2, np.float32))
    with pytest.raises(ValueError, match='N x 1 x 2 x 3'):
        net.set_input_arrays(np.zeros((2, 1, 3, 2), np.float32), np.zeros(2, np.float32))
    with pytest.raises(ValueError, match='3 labels for 2'):
        net.set_input_arrays(np.zeros((2, 1, 2, 3), np.float32), np.zeros(3, np.float32))
    with pytest.raises(strata.ConfigError, match='multiple of 2'):
        net.set_input_arrays(np.zeros((3, 1, 2, 3), np.float32), np.zeros(3, np.float32))


def test_pycaffes_smaller_names(fixtures, tmp_path):
    net = lenet(fixtures)
    data = net.blobs['data']
    assert (data.num, data.channels, data.height, data.width) == (64, 1, 28, 28)
    prob = net.blobs['prob']
    assert (prob.num, prob.channels, prob.height, prob.width) == (64, 10, 1, 1)
    wide = caffe.Blob([1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match='at most 4 axes'):
        wide.num
    assert set(net.blob_loss_weights) == set(net._blob_names)
    assert not any(net.blob_loss_weights.values())  # a deploy net has no loss
    # A C++ layer set up and run by hand, as pycaffe allows.
    pool = net.layer_dict['pool1']
    bottom, top = caffe.Blob([1, 1, 4, 4]), caffe.Blob()
    bottom.data[...] = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    pool.setup([bottom], [top])
    assert top.shape == [1, 1, 2, 2]
    timer = caffe.Timer()
    timer.start()
    net.forward()
    timer.stop()
    assert timer.ms > 0
    assert caffe.__version__ and not caffe.has_nccl()
    assert (caffe.solver_count(), caffe.solver_rank()) == (1, 0)
    with pytest.raises(ValueError, match='one process'):
        caffe.set_solver_count(2)
    with pytest.raises(RuntimeError, match='GPUs'):
        caffe.NCCL(None, 0)
    caffe.init_log()
    caffe.log('a message from pycaffe code')
