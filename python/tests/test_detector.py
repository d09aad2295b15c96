"""strata.Detector: windows of Caffe's fixture photos through the tiny
classification net."""
import os

import numpy as np
import pytest

import strata as caffe


@pytest.fixture
def setup(fixtures):
    folder = os.path.join(fixtures, 'images', 'classify')
    model = (os.path.join(folder, 'deploy.prototxt'), os.path.join(folder, 'tiny.caffemodel'))
    mean = np.array([104.0, 117.0, 123.0], np.float32)
    photo = os.path.join(fixtures, 'images', 'images', 'astronaut.jpg')
    return model, mean, photo


def test_a_whole_image_window_is_the_classifiers_answer(setup):
    model, mean, photo = setup
    options = dict(mean=mean, raw_scale=255, channel_swap=(2, 1, 0))
    detector = caffe.Detector(*model, **options)
    image = caffe.io.load_image(photo)
    height, width = image.shape[:2]
    whole, part = (0, 0, height, width), (10, 20, 90, 140)
    detections = detector.detect_windows([(photo, [whole, part])])
    assert [d['window'] for d in detections] == [whole, part]
    assert all(d['filename'] == photo for d in detections)
    classifier = caffe.Classifier(*model, image_dims=(64, 64), **options)
    expected = classifier.predict([image, image[10:90, 20:140]], oversample=False)
    np.testing.assert_allclose([d['prediction'] for d in detections], expected, atol=1e-5)
    assert detector.detect_windows([]) == []


def test_context_pad_fills_beyond_the_image_with_the_mean(setup):
    model, mean, photo = setup
    detector = caffe.Detector(*model, mean=mean, raw_scale=255, channel_swap=(2, 1, 0),
                              context_pad=8)
    np.testing.assert_allclose(detector.crop_mean[0, 0], mean[::-1] / 255)  # RGB, 0..1
    image = caffe.io.load_image(photo)
    # A 48-pixel window fills 64 - 2 * 8 pixels of the input, so it grows by 8
    # image pixels each way; at the corner, those above and left are outside.
    corner = detector.crop(image, (0, 0, 47, 47))
    assert corner.shape == (64, 64, 3)
    np.testing.assert_allclose(corner[:8, :8], np.broadcast_to(detector.crop_mean[0, 0],
                                                               (8, 8, 3)))
    assert np.abs(corner[8:, 8:] - detector.crop_mean[0, 0]).min(axis=-1).max() > 0.1
    # Inside the image, the crop is the window with its context, resized.
    inner = detector.crop(image, (100, 100, 147, 147))
    np.testing.assert_allclose(inner, image[92:156, 92:156], atol=1e-6)
    with pytest.raises(ValueError, match='outside'):
        detector.crop(image, (1000, 1000, 1040, 1040))
    with pytest.raises(RuntimeError, match='detect_windows'):
        detector.detect_selective_search([photo])
