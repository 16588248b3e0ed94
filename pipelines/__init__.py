"""Named feature + classifier pipelines compared by the benchmark."""

__all__ = []
