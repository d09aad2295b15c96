"""Python layers outside python3: in tools/train, tools/test and tools/gradcheck
(which start an embedded interpreter for such nets), and the gradient check
of a Python layer from Python."""
import os
import subprocess

import numpy as np
import pytest

import strata as caffe

TESTS = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.environ.get('STRATA_TOOLS', 'build/tools')

# Python data, a Python layer in the middle, Caffe layers around them.
NET = '''
name: "clusters"
layer { name: "data" type: "Python" top: "data" top: "label"
        python_param { module: "py_layers" layer: "Clusters"
                       param_str: '{"batch": 32, "dims": 4, "classes": 3, "seed": %d}' } }
layer { name: "scale" type: "Python" bottom: "data" top: "scaled"
        python_param { module: "%s" layer: "%s" param_str: "0.5" } }
layer { name: "ip" type: "InnerProduct" bottom: "scaled" top: "ip"
        inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
layer { name: "accuracy" type: "Accuracy" bottom: "ip" bottom: "label" top: "accuracy"
        include { phase: TEST } }
'''


def net_text(seed=0, module='py_layers', layer='Scale'):
    return NET % (seed, module, layer)


def run(tool, *args):
    """Runs a tool with only the tests' folder on PYTHONPATH: the tool finds
    the module strata by itself."""
    env = dict(os.environ, PYTHONPATH=TESTS)
    return subprocess.run([os.path.join(TOOLS, tool)] + list(args), env=env,
                          capture_output=True, text=True, timeout=300)


def test_train_and_test_run_python_layers(write, tmp_path):
    write('net.prototxt', net_text())
    solver = write('solver.prototxt',
                   'net: "%s" base_lr: 0.05 momentum: 0.9 lr_policy: "fixed" max_iter: 100 '
                   'test_iter: 5 test_interval: 100 snapshot_prefix: "%s"' %
                   (tmp_path / 'net.prototxt', tmp_path / 's'))
    trained = run('train', '--solver=' + solver)
    assert trained.returncode == 0, trained.stderr
    weights = str(tmp_path / 's_iter_100.caffemodel')
    assert os.path.exists(weights)
    tested = run('test', '--model=' + str(tmp_path / 'net.prototxt'), '--weights=' + weights,
                 '--iterations=10')
    assert tested.returncode == 0, tested.stderr
    accuracy = [line for line in tested.stdout.splitlines() if line.startswith('accuracy =')]
    assert accuracy and float(accuracy[0].split()[2]) > 0.9, tested.stdout


def test_tools_report_python_failures_in_one_line(write):
    missing = run('gradcheck', '--model=' + write('a.prototxt',
                                                  net_text(module='no_such_module')))
    assert missing.returncode == 1
    assert "layer 'scale' (Python)" in missing.stderr
    assert "No module named 'no_such_module'" in missing.stderr
    raises = run('time', '--model=' + write('b.prototxt', net_text(layer='Raises')),
                 '--iterations=1')
    assert raises.returncode == 1
    assert 'deliberate failure in forward' in raises.stderr
    assert len(raises.stderr.strip().splitlines()) == 1, raises.stderr


def test_gradcheck_tool_checks_python_layers(write):
    good = run('gradcheck', '--model=' + write('good.prototxt', net_text()), '--layer=scale')
    assert good.returncode == 0, good.stdout + good.stderr
    assert 'PASS' in good.stdout
    bad = run('gradcheck', '--model=' + write('bad.prototxt', net_text(layer='WrongBackward')))
    assert bad.returncode == 1
    assert 'gradient check failed for scale' in bad.stderr


def test_check_gradients_from_python(write):
    checks = caffe.check_gradients(caffe.Net(write('good.prototxt', net_text()), caffe.TRAIN))
    assert {c['layer']: c['passed'] for c in checks} == {'scale': True, 'ip': True, 'loss': True}
    assert all(c['checked'] > 0 for c in checks)
    wrong = caffe.Net(write('bad.prototxt', net_text(layer='WrongBackward')), caffe.TRAIN)
    [check] = caffe.check_gradients(wrong, layer='scale')
    assert not check['passed'] and check['type'] == 'Python'
    mismatch = check['mismatches'][0]
    np.testing.assert_allclose(mismatch['analytic'], 2 * mismatch['numeric'], rtol=1e-2)
    with pytest.raises(caffe.ConfigError, match='no_such_layer'):
        caffe.check_gradients(wrong, layer='no_such_layer')
