"""strata.Classifier on Caffe's classification fixture: the photos, prepared
as Caffe's cpp_classification prepares them, get Caffe's labels."""
import os

import numpy as np

import strata as caffe
from strata.proto import caffe_pb2


def caffe_top5(path):
    """{image: [(probability, label), ...]} from caffe_top5.txt."""
    result, current = {}, None
    for line in open(path):
        line = line.strip()
        if line.startswith('== '):
            current = line[3:]
            result[current] = []
        elif line:
            p, label = line.split(' - ')
            result[current].append((float(p), label.strip('"')))
    return result


def test_classifier_gives_caffes_labels(fixtures):
    folder = os.path.join(fixtures, 'images', 'classify')
    mean = caffe_pb2.BlobProto()
    with open(os.path.join(folder, 'mean.binaryproto'), 'rb') as f:
        mean.ParseFromString(f.read())
    channel_mean = caffe.io.blobproto_to_array(mean)[0].mean(axis=(1, 2))  # BGR
    classifier = caffe.Classifier(os.path.join(folder, 'deploy.prototxt'),
                                  os.path.join(folder, 'tiny.caffemodel'),
                                  mean=channel_mean, raw_scale=255, channel_swap=(2, 1, 0))
    labels = [l.strip() for l in open(os.path.join(folder, 'labels.txt'))]
    expected = caffe_top5(os.path.join(folder, 'caffe_top5.txt'))
    names = sorted(expected)
    images = [caffe.io.load_image(os.path.join(fixtures, 'images', 'images', n)) for n in names]
    probs = classifier.predict(images, oversample=False)
    assert probs.shape == (len(names), len(labels))
    for name, p in zip(names, probs):
        best_p, best_label = expected[name][0]
        assert labels[int(p.argmax())] == best_label, name
        # cv::resize rounds to 8 bits before the mean; resize_image does not.
        assert abs(p.max() - best_p) < 0.02, (name, p.max(), best_p)
    # Ten crops of the same size as the input are ten copies, mirrored or not.
    assert classifier.predict(images[:1]).shape == (1, len(labels))
