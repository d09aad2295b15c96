"""pycaffe's draw: a NetParameter (strata.proto.caffe_pb2) as a Graphviz
graph through pydot: layers as boxes (convolutions red, pooling orange,
inner products purple, in-place layers green), blobs as grey octagons, edges
labelled with output sizes. Needs python3-pydot and graphviz."""
import pydot

LAYER_STYLE_DEFAULT = {'shape': 'record', 'fillcolor': '#6495ED', 'style': 'filled'}
NEURON_LAYER_STYLE = {'shape': 'record', 'fillcolor': '#90EE90', 'style': 'filled'}
BLOB_STYLE = {'shape': 'octagon', 'fillcolor': '#E0E0E0', 'style': 'filled'}

_COLOURS = {'Convolution': '#FF5050', 'Deconvolution': '#FF5050', 'Pooling': '#FF9900',
            'InnerProduct': '#CC33FF'}


def get_pooling_types_dict():
    """Pooling method numbers to their names (MAX, AVE, STOCHASTIC)."""
    from .proto import caffe_pb2
    method = caffe_pb2.PoolingParameter.PoolMethod
    return {number: name for name, number in method.items()}


def get_edge_label(layer):
    """The label of a layer's output edges: the batch size of a Data layer,
    num_output of (de)convolutions and inner products, else none."""
    if layer.type == 'Data':
        return 'Batch ' + str(layer.data_param.batch_size)
    if layer.type in ('Convolution', 'Deconvolution'):
        return str(layer.convolution_param.num_output)
    if layer.type == 'InnerProduct':
        return str(layer.inner_product_param.num_output)
    return '""'


def _first(values, default):
    return values[0] if len(values) else default


def get_layer_label(layer, rankdir):
    """Name and type, with kernel, stride and pad for convolutions and pooling."""
    separator = ' ' if rankdir in ('TB', 'BT') else '\\n'
    if layer.type in ('Convolution', 'Deconvolution'):
        p = layer.convolution_param
        details = ['kernel size: %d' % _first(p.kernel_size, p.kernel_h or 1),
                   'stride: %d' % _first(p.stride, p.stride_h or 1),
                   'pad: %d' % _first(p.pad, p.pad_h)]
    elif layer.type == 'Pooling':
        p = layer.pooling_param
        details = ['pool type: %s' % get_pooling_types_dict()[p.pool],
                   'kernel size: %d' % (p.kernel_size or p.kernel_h),
                   'stride: %d' % (p.stride or p.stride_h or 1), 'pad: %d' % (p.pad or p.pad_h)]
    else:
        details = []
    return '"%s"' % separator.join(['%s (%s)' % (layer.name, layer.type)] + details)


def choose_color_by_layertype(layertype):
    return _COLOURS.get(layertype, '#6495ED')


def _in_phase(layer, phase):
    if phase is None:
        return True
    if len(layer.include) and len(layer.exclude):
        raise ValueError('layer %s has both include and exclude rules' % layer.name)
    included = not len(layer.include) or any(rule.phase == phase for rule in layer.include)
    return included and not any(rule.phase == phase for rule in layer.exclude)


def get_pydot_graph(caffe_net, rankdir, label_edges=True, phase=None):
    """The pydot.Dot of the net's layers (those of `phase` when given)."""
    graph = pydot.Dot(caffe_net.name or 'Net', graph_type='digraph', rankdir=rankdir)
    nodes = {}
    edges = []
    for layer in caffe_net.layer:
        if not _in_phase(layer, phase):
            continue
        node = layer.name + '_' + layer.type
        in_place = len(layer.bottom) == 1 and len(layer.top) == 1 and \
            layer.bottom[0] == layer.top[0]
        style = dict(NEURON_LAYER_STYLE) if in_place else \
            dict(LAYER_STYLE_DEFAULT, fillcolor=choose_color_by_layertype(layer.type))
        nodes[node] = pydot.Node(get_layer_label(layer, rankdir), **style)
        for bottom in layer.bottom:
            nodes[bottom + '_blob'] = pydot.Node(bottom, **BLOB_STYLE)
            edges.append((bottom + '_blob', node, '""'))
        for top in layer.top:
            nodes[top + '_blob'] = pydot.Node(top, **BLOB_STYLE)
            edges.append((node, top + '_blob', get_edge_label(layer) if label_edges else '""'))
    for node in nodes.values():
        graph.add_node(node)
    for source, target, label in edges:
        graph.add_edge(pydot.Edge(nodes[source], nodes[target], label=label))
    return graph


def draw_net(caffe_net, rankdir, ext='png', phase=None, display_lrm=False):
    """The drawing as bytes in format `ext` (png, svg, pdf, dot, ...)."""
    return get_pydot_graph(caffe_net, rankdir, phase=phase).create(format=ext)


def draw_net_to_file(caffe_net, filename, rankdir='LR', phase=None, display_lrm=False):
    """Draws the net into `filename`, the format from its extension."""
    ext = filename[filename.rfind('.') + 1:]
    with open(filename, 'wb') as f:
        f.write(draw_net(caffe_net, rankdir, ext, phase))
