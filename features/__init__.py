"""Classic image features as batched scikit-learn transformers."""

__all__ = []
