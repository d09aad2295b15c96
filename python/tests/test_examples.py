"""The scripts of examples/python run and do what they say."""
import os
import subprocess
import sys

from conftest import ROOT

EXAMPLES = os.path.join(ROOT, 'examples', 'python')


def run(script, *args):
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, script)] + list(args),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_classify_prints_caffes_top_labels(fixtures):
    printed = run('classify.py')
    top = {}
    current = None
    for line in open(os.path.join(fixtures, 'images', 'classify', 'caffe_top5.txt')):
        if line.startswith('== '):
            current = line[3:].strip()
        elif current and current not in top:
            top[current] = line.split(' - ')[1].strip().strip('"')
    for line in printed.splitlines():
        name, _, label = line.split(None, 2)
        assert top[name] == label, line
    assert len(printed.splitlines()) == len(top)


def test_net_surgery_matches_lenet():
    assert 'largest difference from LeNet' in run('net_surgery.py')


def test_python_data_layer_trains():
    assert 'iteration 300' in run('python_data_layer.py')
