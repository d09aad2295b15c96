import os
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'caffe')


@pytest.fixture
def fixtures():
    return FIXTURES


@pytest.fixture
def write(tmp_path):
    """Writes text to a file in the test's folder and returns its path."""
    def _write(name, text):
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return _write
