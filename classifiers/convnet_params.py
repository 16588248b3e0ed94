"""The parameters of :class:`classifiers.ConvNetClassifier`'s network, by name.

This module is the one place that knows the layout: the numpy network and its
PyTorch twin (``pipelines/reference_torch.py``) read each array by its name
(block ``b``'s conv filters are ``params.blocks[b].weight``, the classifier's
weights ``params.output.weight``), and the flat lists that update rules and
gradients pair up come from :meth:`ConvNetParams.trainable`, always in the
same order.
"""

from dataclasses import dataclass, field, fields
from typing import Optional

import numpy as np

__all__ = ["BN_MOMENTUM", "BN_EPS", "ConvBlockParams", "DenseParams", "ConvNetParams",
           "check_image_size"]

#: Batch normalization: weight of the old running average at each update, and the
#: epsilon added to the variance.
BN_MOMENTUM, BN_EPS = 0.9, 1e-5


@dataclass
class ConvBlockParams:
    """One block: 3x3 conv filters, batch normalization's scale, shift and running statistics.

    Attributes
    ----------
    weight : ndarray of shape (3, 3, C_in, C_out)
        Filters, NHWC layout (no bias: ``beta`` shifts).
    gamma, beta : ndarray of shape (C_out,)
        Batch normalization's scale and shift.
    running_mean, running_var : ndarray of shape (C_out,) or None
        Running averages used at prediction; None in gradients.
    """

    weight: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    running_mean: Optional[np.ndarray] = None
    running_var: Optional[np.ndarray] = None


@dataclass
class DenseParams:
    """One affine layer ``h @ weight + bias`` of the head.

    Attributes
    ----------
    weight : ndarray of shape (fan_in, fan_out)
    bias : ndarray of shape (fan_out,)
    """

    weight: np.ndarray
    bias: np.ndarray


@dataclass
class ConvNetParams:
    """Every array of the network: conv blocks, then an optional hidden layer and the output.

    Attributes
    ----------
    blocks : list of ConvBlockParams
        In input-to-output order.
    output : DenseParams
        The classifier: last block's maps (flattened in NHWC order), or the
        hidden layer's units, to class scores.
    hidden : DenseParams or None
        The hidden ReLU layer of the head, when there is one.

    Examples
    --------
    >>> params = ConvNetParams.initialize((8, 8, 3), (4, 6), None, 5, np.random.RandomState(0))
    >>> params.blocks[1].weight.shape, params.output.weight.shape
    ((3, 3, 4, 6), (24, 5))
    >>> params.conv_channels, params.hidden_size, params.n_classes
    ((4, 6), None, 5)
    >>> [a.shape for a in params.trainable()][:3]  # block 0: weight, gamma, beta
    [(3, 3, 3, 4), (4,), (4,)]
    """

    blocks: list
    output: DenseParams
    hidden: Optional[DenseParams] = field(default=None)

    @classmethod
    def initialize(cls, image_shape, conv_channels, hidden_size, n_classes, rng,
                   dtype=np.float32):
        """He-initialized conv filters, unit gamma, zero beta, fresh running statistics, head.

        Filters and the hidden layer are drawn ``N(0, 2 / fan_in)``, the
        output layer ``N(0, 1 / fan_in)``, from ``rng`` in that order; biases
        are zero, running means zero and running variances one.

        Parameters
        ----------
        image_shape : tuple ``(H, W, C)``
        conv_channels : tuple of int
            Filters of each block (each block halves height and width).
        hidden_size : int or None
        n_classes : int
        rng : numpy.random.RandomState
        dtype : numpy dtype, default=np.float32

        Returns
        -------
        ConvNetParams
        """
        H, W, C = image_shape
        blocks = []
        for c_out in conv_channels:
            std = np.sqrt(2.0 / (9 * C))
            blocks.append(ConvBlockParams(
                weight=(std * rng.standard_normal((3, 3, C, c_out))).astype(dtype),
                gamma=np.ones(c_out, dtype), beta=np.zeros(c_out, dtype),
                running_mean=np.zeros(c_out, dtype), running_var=np.ones(c_out, dtype)))
            H, W, C = H // 2, W // 2, c_out
        fan_in, hidden = H * W * C, None
        if hidden_size is not None:
            hidden = DenseParams(
                (np.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, hidden_size))).astype(dtype),
                np.zeros(hidden_size, dtype))
            fan_in = hidden_size
        output = DenseParams(
            (np.sqrt(1.0 / fan_in) * rng.standard_normal((fan_in, n_classes))).astype(dtype),
            np.zeros(n_classes, dtype))
        return cls(blocks, output, hidden)

    @property
    def conv_channels(self):
        """Filters of each block, a tuple of int."""
        return tuple(int(block.weight.shape[3]) for block in self.blocks)

    @property
    def hidden_size(self):
        """Units of the hidden layer, or None."""
        return None if self.hidden is None else int(self.hidden.weight.shape[1])

    @property
    def n_classes(self):
        """Width of the output layer."""
        return int(self.output.weight.shape[1])

    def dense_layers(self):
        """The head's affine layers, hidden (when there is one) first."""
        return ([self.hidden] if self.hidden is not None else []) + [self.output]

    def trainable(self):
        """Flat list of what training updates: per block ``weight, gamma, beta``, then
        ``weight, bias`` of each dense layer. Parameters and their gradients
        (:meth:`empty_gradients`) list in the same order."""
        arrays = [a for block in self.blocks for a in (block.weight, block.gamma, block.beta)]
        return arrays + [a for layer in self.dense_layers() for a in (layer.weight, layer.bias)]

    def running_stats(self):
        """Flat list of the running averages: per block ``running_mean, running_var``."""
        return [a for block in self.blocks for a in (block.running_mean, block.running_var)]

    def arrays(self):
        """:meth:`trainable` then :meth:`running_stats`: the whole state of the network."""
        return self.trainable() + self.running_stats()

    def decayed(self):
        """The arrays under weight decay: every block's filters, then the dense weights."""
        return [block.weight for block in self.blocks] + [
            layer.weight for layer in self.dense_layers()]

    def empty_gradients(self):
        """Uninitialized arrays shaped like :meth:`trainable`, by the same names (no running
        statistics)."""
        def like(obj, names):
            return type(obj)(**{name: np.empty_like(getattr(obj, name)) for name in names})

        block_names = ("weight", "gamma", "beta")
        dense_names = tuple(f.name for f in fields(DenseParams))
        return ConvNetParams(
            [like(block, block_names) for block in self.blocks], like(self.output, dense_names),
            None if self.hidden is None else like(self.hidden, dense_names))


def check_image_size(image_shape, n_blocks):
    """Raise a ValueError when images of ``image_shape`` are too small for ``n_blocks`` poolings.

    Examples
    --------
    >>> check_image_size((8, 8, 3), 3)  # 8 -> 4 -> 2 -> 1: fits
    >>> check_image_size((8, 8, 3), 4)
    Traceback (most recent call last):
        ...
    ValueError: images of 8x8 pixels are too small for 4 blocks of 2x2 pooling: they need at \
least 16x16. Pass fewer conv_channels or larger images.
    """
    need = 2 ** n_blocks
    if min(image_shape[:2]) < need:
        raise ValueError(
            f"images of {image_shape[0]}x{image_shape[1]} pixels are too small for "
            f"{n_blocks} blocks of 2x2 pooling: they need at least {need}x{need}. "
            "Pass fewer conv_channels or larger images."
        )
