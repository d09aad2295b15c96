"""strata's solvers from Python: train, test nets, snapshot and reload."""
import os

import numpy as np
import pytest

import strata as caffe

NET = '''
name: "softmax"
layer { name: "data" type: "Data" top: "data" top: "label"
        transform_param { scale: 0.00390625 }
        data_param { source: "%(db)s" batch_size: 50 backend: LMDB } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
        inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "accuracy" type: "Accuracy" bottom: "ip" bottom: "label" top: "accuracy"
        include { phase: TEST } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
'''

SOLVER = '''
net: "%(net)s"
test_iter: 20
test_interval: 1000
base_lr: 0.1
momentum: 0.9
lr_policy: "fixed"
display: 0
max_iter: 60
snapshot_prefix: "%(prefix)s"
random_seed: 1701
'''


@pytest.fixture
def solver_file(fixtures, tmp_path):
    net = tmp_path / 'net.prototxt'
    net.write_text(NET % {'db': os.path.join(fixtures, 'fashion_mnist_test1k_lmdb')})
    solver = tmp_path / 'solver.prototxt'
    solver.write_text(SOLVER % {'net': net, 'prefix': tmp_path / 'snap'})
    return str(solver), str(net)


def test_sgd_trains_and_tests(solver_file):
    solver = caffe.SGDSolver(solver_file[0])
    assert solver.type == 'SGD'
    assert caffe.AdamSolver(solver_file[0]).type == 'Adam'
    assert solver.iter == 0
    solver.step(1)
    first = float(solver.net.blobs['loss'].data)
    solver.step(59)
    assert solver.iter == 60
    assert float(solver.net.blobs['loss'].data) < first
    test_net = solver.test_nets[0]
    test_net.share_with(solver.net)
    accuracy = np.mean([test_net.forward()['accuracy'] for _ in range(20)])
    assert accuracy > 0.6


def test_get_solver_snapshot_and_reload(solver_file, tmp_path):
    solver = caffe.get_solver(solver_file[0])
    solver.step(10)
    model = solver.snapshot()
    assert model.endswith('snap_iter_10.caffemodel')
    net = caffe.Net(solver_file[1], model, caffe.TEST)
    np.testing.assert_array_equal(net.params['ip'][0].data, solver.net.params['ip'][0].data)
    # Resume and solve to max_iter.
    again = caffe.SGDSolver(solver_file[0])
    again.solve(str(tmp_path / 'snap_iter_10.solverstate'))
    assert again.iter == 60


def test_solver_errors(write):
    with pytest.raises(caffe.IoError):
        caffe.get_solver('/nonexistent/solver.prototxt')
    bad = write('solver.prototxt', 'net: "x.prototxt" base_lr: -1 lr_policy: "fixed"')
    with pytest.raises(caffe.ConfigError, match='base_lr'):
        caffe.get_solver(bad)


def test_callbacks_and_apply_update(solver_file):
    solver = caffe.SGDSolver(solver_file[0])
    events = []
    solver.add_callback(lambda: events.append('start'), lambda: events.append('gradients'))
    solver.step(2)
    assert events == ['start', 'gradients', 'start', 'gradients']
    # A loop of one's own: forward, backward, then the solver's update.
    net = solver.net
    before = net.params['ip'][0].data.copy()
    net.clear_param_diffs()
    net.forward()
    net.backward()
    solver.apply_update()
    assert not np.array_equal(net.params['ip'][0].data, before)
    assert solver.iter == 2  # apply_update does not advance the iteration

    def fail():
        raise RuntimeError('stop here')
    solver.add_callback(fail, None)
    with pytest.raises(caffe.DataError, match='on_start raised.*stop here'):
        solver.step(1)


def test_other_threads_run_while_the_solver_steps(solver_file):
    """step releases the GIL: a Python thread keeps running meanwhile."""
    import threading
    import time
    solver = caffe.get_solver(solver_file[0])
    stamps, done = [], threading.Event()

    def tick():
        while not done.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=tick)
    thread.start()
    time.sleep(0.01)
    start = time.perf_counter()
    solver.step(1500)
    end = time.perf_counter()
    done.set()
    thread.join()
    assert end - start > 0.05, 'too short a step to tell'
    inside = [t for t in stamps if start + 0.01 < t < end - 0.01]
    assert len(inside) > (end - start) * 100, (len(inside), end - start)
