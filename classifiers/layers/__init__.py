"""Layers as forward/backward pairs, one module per kind of layer.

Each ``*_forward`` returns ``(out, cache)`` and the matching ``*_backward``
takes the upstream gradient ``dout`` (shape of ``out``) with that ``cache`` and
returns the gradients with respect to the inputs and parameters. Image
batches are NHWC: ``(N, H, W, C)``.

- :mod:`~classifiers.layers.dense`: affine layer, activations, inverted dropout
- :mod:`~classifiers.layers.conv`: 2-D convolution by im2col
- :mod:`~classifiers.layers.pooling`: max pooling, global average pooling
- :mod:`~classifiers.layers.normalization`: batch normalization (dense and spatial)
- :mod:`~classifiers.layers.maxout`: maxout units
"""

from .conv import col2im, conv2d_backward, conv2d_forward, conv_output_size, im2col
from .dense import (
    ACTIVATIONS, activate_inplace, affine_backward, affine_forward,
    backprop_activation_inplace, dropout_backward, dropout_forward, dropout_mask, elu_backward,
    elu_forward,
    leaky_relu_backward, leaky_relu_forward, relu_backward, relu_forward, sigmoid_backward,
    sigmoid_forward, tanh_backward, tanh_forward,
)
from .maxout import maxout_backward, maxout_forward
from .normalization import batchnorm_backward, batchnorm_forward
from .pooling import (
    global_avgpool_backward, global_avgpool_forward, maxpool_backward, maxpool_forward,
)

__all__ = [
    "affine_forward", "affine_backward",
    "relu_forward", "relu_backward",
    "leaky_relu_forward", "leaky_relu_backward",
    "elu_forward", "elu_backward",
    "tanh_forward", "tanh_backward",
    "sigmoid_forward", "sigmoid_backward",
    "dropout_forward", "dropout_backward", "dropout_mask",
    "ACTIVATIONS", "activate_inplace", "backprop_activation_inplace",
    "conv2d_forward", "conv2d_backward", "conv_output_size", "im2col", "col2im",
    "maxpool_forward", "maxpool_backward", "global_avgpool_forward", "global_avgpool_backward",
    "batchnorm_forward", "batchnorm_backward",
    "maxout_forward", "maxout_backward",
]
