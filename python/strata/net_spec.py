"""NetSpec: nets written as Python code, with pycaffe's names and rules.

    from strata import layers as L, params as P
    n = strata.NetSpec()
    n.data, n.label = L.Data(source='db', backend=P.Data.LMDB, batch_size=64, ntop=2)
    n.ip = L.InnerProduct(n.data, num_output=10, weight_filler=dict(type='xavier'))
    n.loss = L.SoftmaxWithLoss(n.ip, n.label)
    print(n.to_proto())

A layer's keyword arguments go to its type's parameter message (num_output to
inner_product_param); names ending in "param" and LayerParameter's own fields
(loss_weight, include, ...) go to the layer. ntop sets the number of tops,
in_place=True writes the top over the bottom. Tops assigned to the NetSpec are
named by their attribute; the others get pycaffe's automatic names (type and
a count: "InnerProduct1"), and a layer is named after its first top.
"""
from collections import Counter, OrderedDict

from .proto import caffe_pb2


def param_name_dict():
    """Layer type -> the name of its parameter field without "_param"
    ("Convolution" -> "convolution"), read from the schema."""
    layer = caffe_pb2.LayerParameter()
    names = [f.name for f in layer.DESCRIPTOR.fields if f.name.endswith('_param')]
    types = [type(getattr(layer, name)).__name__ for name in names]
    names = [name[:-len('_param')] for name in names]
    types = [t[:-len('Parameter')] for t in types]
    return dict(zip(types, names))


def to_proto(*tops):
    """The NetParameter of the layers the tops depend on (with automatic names)."""
    layers = OrderedDict()
    autonames = Counter()
    for top in tops:
        top.fn._to_proto(layers, {}, autonames)
    net = caffe_pb2.NetParameter()
    net.layer.extend(layers.values())
    return net


def assign_proto(proto, name, value):
    """proto.name = value, where value may be a list (repeated field; dicts
    in it fill repeated messages) or a dict (a message, field by field)."""
    is_repeated = hasattr(getattr(proto, name), 'extend')
    if is_repeated and not isinstance(value, list):
        value = [value]
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            for item in value:
                message = getattr(proto, name).add()
                for k, v in item.items():
                    assign_proto(message, k, v)
        else:
            getattr(proto, name).extend(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            assign_proto(getattr(proto, name), k, v)
    else:
        setattr(proto, name, value)


class Top(object):
    """One output of a Function (a layer)."""

    def __init__(self, fn, n):
        self.fn = fn
        self.n = n

    def to_proto(self):
        return to_proto(self)

    def _to_proto(self, layers, names, autonames):
        return self.fn._to_proto(layers, names, autonames)


class Function(object):
    """A layer: its type, its input tops and its parameters."""

    def __init__(self, type_name, inputs, params):
        self.type_name = type_name
        for index, value in enumerate(inputs):
            if not isinstance(value, Top):
                raise TypeError('%s input %d is a %s, not a top (a layer\'s output)' %
                                (type_name, index, type(value).__name__))
        self.inputs = inputs
        self.params = dict(params)
        self.ntop = self.params.pop('ntop', 1)
        self.in_place = self.params.pop('in_place', False)
        self.tops = tuple(Top(self, n) for n in range(self.ntop))

    def _get_name(self, names, autonames):
        if self not in names and self.ntop > 0:
            names[self] = self._get_top_name(self.tops[0], names, autonames)
        elif self not in names:
            autonames[self.type_name] += 1
            names[self] = self.type_name + str(autonames[self.type_name])
        return names[self]

    def _get_top_name(self, top, names, autonames):
        if top not in names:
            autonames[top.fn.type_name] += 1
            names[top] = top.fn.type_name + str(autonames[top.fn.type_name])
        return names[top]

    def _to_proto(self, layers, names, autonames):
        if self in layers:
            return
        bottom_names = []
        for inp in self.inputs:
            inp._to_proto(layers, names, autonames)
            bottom_names.append(layers[inp.fn].top[inp.n])
        layer = caffe_pb2.LayerParameter()
        layer.type = self.type_name
        layer.bottom.extend(bottom_names)
        if self.in_place:
            layer.top.extend(layer.bottom)
        else:
            for top in self.tops:
                layer.top.append(self._get_top_name(top, names, autonames))
        layer.name = self._get_name(names, autonames)
        for k, v in self.params.items():
            # Names ending in "param" are the layer's own; the rest go to the
            # type's parameter message, or else to the layer.
            if k.endswith('param'):
                assign_proto(layer, k, v)
            else:
                try:
                    assign_proto(getattr(layer, _param_names[self.type_name] + '_param'), k, v)
                except (AttributeError, KeyError):
                    assign_proto(layer, k, v)
        layers[self] = layer


class NetSpec(object):
    """Named tops: n.name = top (or n['name'] = top); to_proto() writes the
    layers they depend on, with those names."""

    def __init__(self):
        super(NetSpec, self).__setattr__('tops', OrderedDict())

    def __setattr__(self, name, value):
        self.tops[name] = value

    def __getattr__(self, name):
        try:
            return self.tops[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setitem__(self, key, value):
        self.__setattr__(key, value)

    def __getitem__(self, item):
        return self.__getattr__(item)

    def to_proto(self):
        names = {v: k for k, v in self.tops.items()}
        autonames = Counter()
        layers = OrderedDict()
        for name, top in self.tops.items():
            top._to_proto(layers, names, autonames)
        net = caffe_pb2.NetParameter()
        net.layer.extend(layers.values())
        return net


class Layers(object):
    """L.<Type>(*bottoms, **params): one layer; returns its top, its tops
    (ntop > 1) or, with ntop=0, the layer itself."""

    def __getattr__(self, name):
        def layer_fn(*args, **kwargs):
            fn = Function(name, args, kwargs)
            if fn.ntop == 0:
                return fn
            if fn.ntop == 1:
                return fn.tops[0]
            return fn.tops
        return layer_fn


class Parameters(object):
    """P.<Type>.<VALUE>: an enum value of <Type>Parameter, e.g. P.Pooling.MAX."""

    def __getattr__(self, name):
        message = getattr(caffe_pb2, name + 'Parameter')

        class Param(object):
            def __getattr__(self, param_name):
                return getattr(message, param_name)
        return Param()


_param_names = param_name_dict()
layers = Layers()
params = Parameters()
