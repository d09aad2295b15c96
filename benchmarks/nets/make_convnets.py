#!/usr/bin/env python3
"""Writes the modern convnets of the benchmarks as Caffe deploy nets: each
convolution followed by BatchNorm and Scale in place, as Caffe's ResNet and
MobileNet files are, then ReLU in place.

  resnet20      CIFAR shapes (3x32x32), 3 stages of 3 basic blocks (16/32/64
                channels), projection shortcuts (1x1 conv + BN) where the shape
                changes, 10 classes
  resnet18      3x224x224, 4 stages of 2 basic blocks (64..512), 1000 classes
  mobilenet_v1  3x224x224, 13 depthwise-separable blocks, width 1.0, 1000 classes

Usage: make_convnets.py OUT_DIR [--batch NET=N ...]; benchmarks/run.sh calls it.
       make_convnets.py models/fashion_mnist/resnet --fashion-resnet writes that model's
       train_val and deploy nets (ResNet-20's body on 24x24 Fashion-MNIST crops).
The PyTorch twins are in benchmarks/pytorch_convnets.py."""
import argparse
import os


class Writer:
    def __init__(self, name, shape):
        self.lines = [f'name: "{name}"',
                      'layer { name: "data" type: "Input" top: "data" input_param { shape { '
                      + ' '.join(f'dim: {d}' for d in shape) + ' } } }']

    def add(self, text):
        self.lines.append(text)

    # BatchNorm's running averages: Caffe's default (0.999) averages over about a thousand
    # iterations, too slow for weights that move at base_lr 0.1 (the test accuracy of
    # models/fashion_mnist/resnet stayed near chance with it); 0.9 is PyTorch's momentum 0.1.
    bn_fraction = None

    def conv_bn(self, name, bottom, out, kernel, stride=1, pad=0, group=1, relu=True):
        """Convolution (no bias) + BatchNorm + Scale, all in place on `name`; ReLU if asked."""
        self.add(f'layer {{ name: "{name}" type: "Convolution" bottom: "{bottom}" top: "{name}"\n'
                 f'  convolution_param {{ num_output: {out} kernel_size: {kernel} stride: {stride} '
                 f'pad: {pad} group: {group} bias_term: false weight_filler {{ type: "msra" }} }} }}')
        bn_param = '' if self.bn_fraction is None else \
            f' batch_norm_param {{ moving_average_fraction: {self.bn_fraction} }}'
        self.add(f'layer {{ name: "{name}_bn" type: "BatchNorm" bottom: "{name}" top: "{name}"'
                 f'{bn_param} }}')
        self.add(f'layer {{ name: "{name}_scale" type: "Scale" bottom: "{name}" top: "{name}" '
                 'scale_param { bias_term: true } }')
        if relu:
            self.add(f'layer {{ name: "{name}_relu" type: "ReLU" bottom: "{name}" top: "{name}" }}')
        return name

    def basic_block(self, name, bottom, in_channels, out, stride):
        a = self.conv_bn(f'{name}_a', bottom, out, 3, stride, 1)
        b = self.conv_bn(f'{name}_b', a, out, 3, 1, 1, relu=False)
        shortcut = bottom
        if stride != 1 or in_channels != out:
            shortcut = self.conv_bn(f'{name}_proj', bottom, out, 1, stride, 0, relu=False)
        self.add(f'layer {{ name: "{name}_sum" type: "Eltwise" bottom: "{b}" bottom: "{shortcut}" '
                 f'top: "{name}" }}')
        self.add(f'layer {{ name: "{name}_relu" type: "ReLU" bottom: "{name}" top: "{name}" }}')
        return name

    def head(self, bottom, classes):
        self.add(f'layer {{ name: "pool" type: "Pooling" bottom: "{bottom}" top: "pool" '
                 'pooling_param { pool: AVE global_pooling: true } }')
        self.add(f'layer {{ name: "fc" type: "InnerProduct" bottom: "pool" top: "fc" '
                 f'inner_product_param {{ num_output: {classes} weight_filler {{ type: "msra" }} }} }}')
        self.add('layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }')

    def text(self):
        return '\n'.join(self.lines) + '\n'


def resnet(name, batch, size, stem, stages, blocks, classes):
    net = Writer(name, [batch, 3, size, size])
    if stem == 'cifar':
        x = net.conv_bn('conv1', 'data', stages[0], 3, 1, 1)
    else:
        x = net.conv_bn('conv1', 'data', stages[0], 7, 2, 3)
        net.add(f'layer {{ name: "pool1" type: "Pooling" bottom: "{x}" top: "pool1" '
                'pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 } }')
        x = 'pool1'
    channels = stages[0]
    for s, out in enumerate(stages):
        for b in range(blocks):
            stride = 2 if b == 0 and s > 0 else 1
            x = net.basic_block(f'res{s + 2}_{b + 1}', x, channels, out, stride)
            channels = out
    net.head(x, classes)
    return net.text()


def mobilenet_v1(batch):
    net = Writer('MobileNetV1', [batch, 3, 224, 224])
    x = net.conv_bn('conv1', 'data', 32, 3, 2, 1)
    channels = 32
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + \
           [(1024, 2), (1024, 1)]
    for i, (out, stride) in enumerate(plan):
        x = net.conv_bn(f'conv{i + 2}_dw', x, channels, 3, stride, 1, group=channels)
        x = net.conv_bn(f'conv{i + 2}_pw', x, out, 1, 1, 0)
        channels = out
    net.head(x, 1000)
    return net.text()


def fashion_resnet(deploy):
    """models/fashion_mnist/resnet: ResNet-20's body (16/32/64 channels, 3 basic blocks
    per stage, projection shortcuts) on Fashion-MNIST: trained on random 24x24 crops of
    the 28x28 images, not mirrored (mirroring too scored 0.4 points lower in the same
    20,000 iterations: the net underfits); tested on the whole 28x28 images (global
    average pooling takes any size, and the wider view scores higher)."""
    if deploy:
        net = Writer('FashionMnistResNet20', [1, 1, 28, 28])
    else:
        net = Writer('FashionMnistResNet20', [1])
        net.bn_fraction = 0.9
        net.lines = net.lines[:1]
        for phase, batch, source, random in (('TRAIN', 64, 'train_lmdb', True),
                                             ('TEST', 100, 'test_lmdb', False)):
            net.add(f'layer {{ name: "data" type: "Data" top: "data" top: "label"\n'
                    f'  include {{ phase: {phase} }}\n'
                    f'  transform_param {{ scale: 0.00390625'
                    f'{" crop_size: 24" if random else ""} }}\n'
                    f'  data_param {{ source: "data/fashion_mnist/{source}" batch_size: {batch} '
                    'backend: LMDB } }')
    x = net.conv_bn('conv1', 'data', 16, 3, 1, 1)
    channels = 16
    for s, out in enumerate([16, 32, 64]):
        for b in range(3):
            x = net.basic_block(f'res{s + 2}_{b + 1}', x, channels, out, 2 if b == 0 and s > 0 else 1)
            channels = out
    net.add(f'layer {{ name: "pool" type: "Pooling" bottom: "{x}" top: "pool" '
            'pooling_param { pool: AVE global_pooling: true } }')
    net.add('layer { name: "fc" type: "InnerProduct" bottom: "pool" top: "fc" '
            'inner_product_param { num_output: 10 weight_filler { type: "msra" } '
            'bias_filler { type: "constant" } } }')
    if deploy:
        net.add('layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }')
    else:
        net.add('layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" '
                'top: "loss" }')
        net.add('layer { name: "accuracy" type: "Accuracy" bottom: "fc" bottom: "label" '
                'top: "accuracy" include { phase: TEST } }')
    return net.text()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--batch', action='append', default=[],
                    help='NET=N, e.g. resnet18=8 (defaults: resnet20=64, resnet18=8, mobilenet_v1=1)')
    ap.add_argument('--fashion-resnet', action='store_true',
                    help='write models/fashion_mnist/resnet\'s train_val and deploy nets into OUT_DIR')
    args = ap.parse_args()
    if args.fashion_resnet:
        os.makedirs(args.out, exist_ok=True)
        for name, deploy in (('train_val', False), ('deploy', True)):
            with open(os.path.join(args.out, name + '.prototxt'), 'w') as f:
                f.write('# Written by benchmarks/nets/make_convnets.py --fashion-resnet\n')
                f.write(fashion_resnet(deploy))
        return
    batch = {'resnet20': 64, 'resnet18': 8, 'mobilenet_v1': 1}
    for item in args.batch:
        key, value = item.split('=')
        batch[key] = int(value)
    os.makedirs(args.out, exist_ok=True)
    nets = {
        'resnet20': resnet('ResNet20', batch['resnet20'], 32, 'cifar', [16, 32, 64], 3, 10),
        'resnet18': resnet('ResNet18', batch['resnet18'], 224, 'imagenet', [64, 128, 256, 512], 2,
                           1000),
        'mobilenet_v1': mobilenet_v1(batch['mobilenet_v1']),
    }
    for name, text in nets.items():
        with open(os.path.join(args.out, name + '.prototxt'), 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
