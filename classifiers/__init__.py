"""Linear classifiers, neural networks and k-nearest neighbours written in numpy.

Estimators (scikit-learn compatible): :class:`LinearSVM`,
:class:`SoftmaxClassifier`, :class:`MLPClassifier`, :class:`KNNClassifier`,
:class:`ConvNetClassifier`. The numerics they are built from are public too:
losses, regularizers, update rules and learning-rate schedules, layers
(forward/backward pairs), per-batch image augmentation (and the mini-batch loop
that draws it), matrix products in fixed shards and the gradient check.
:class:`ConvNetParams` holds the ConvNet's arrays by name (:class:`ConvBlockParams`,
:class:`DenseParams`), for code that builds the same network elsewhere (the
PyTorch twin).
"""

from .augment import AUGMENTS, Augment, augment_batch, default_shift, minibatches
from .convnet import ConvNetClassifier
from .convnet_params import ConvBlockParams, ConvNetParams, DenseParams
from .gradient_check import check_gradient, numerical_gradient, relative_error
from .layers import (
    affine_backward, affine_forward, batchnorm_backward, batchnorm_forward, col2im,
    conv2d_backward, conv2d_forward, dropout_backward, dropout_forward, elu_backward,
    elu_forward, global_avgpool_backward, global_avgpool_forward, im2col, leaky_relu_backward,
    leaky_relu_forward, maxout_backward, maxout_forward, maxpool_backward, maxpool_forward,
    relu_backward, relu_forward, sigmoid_backward, sigmoid_forward, tanh_backward, tanh_forward,
)
from .knn import KNNClassifier
from .linear import LinearSVM, SoftmaxClassifier
from .losses import (
    ovr_squared_svm_loss, ovr_svm_loss, softmax, softmax_loss, squared_svm_loss, svm_loss,
)
from .mlp import MLPClassifier
from .optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp, make_optimizer
from .products import shard_axis, sharded_matmul, sum_in_order
from .regularizers import elastic_net, l1, l2, regularization
from .schedules import ConstantLR, ExponentialDecay, OneCycle, StepDecay, make_schedule

__all__ = [
    "LinearSVM", "SoftmaxClassifier", "MLPClassifier", "KNNClassifier", "ConvNetClassifier",
    "ConvNetParams", "ConvBlockParams", "DenseParams",
    "AUGMENTS", "Augment", "default_shift", "augment_batch", "minibatches",
    "svm_loss", "squared_svm_loss", "ovr_svm_loss", "ovr_squared_svm_loss", "softmax_loss",
    "softmax",
    "l2", "l1", "elastic_net", "regularization",
    "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam",
    "ConstantLR", "StepDecay", "ExponentialDecay", "OneCycle", "make_optimizer",
    "make_schedule",
    "affine_forward", "affine_backward", "relu_forward", "relu_backward",
    "leaky_relu_forward", "leaky_relu_backward", "elu_forward", "elu_backward",
    "tanh_forward", "tanh_backward", "sigmoid_forward", "sigmoid_backward",
    "dropout_forward", "dropout_backward",
    "conv2d_forward", "conv2d_backward", "im2col", "col2im",
    "maxpool_forward", "maxpool_backward", "global_avgpool_forward", "global_avgpool_backward",
    "batchnorm_forward", "batchnorm_backward", "maxout_forward", "maxout_backward",
    "numerical_gradient", "relative_error", "check_gradient",
    "sharded_matmul", "shard_axis", "sum_in_order",
]
