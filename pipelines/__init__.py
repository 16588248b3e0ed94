"""Named feature + classifier pipelines compared by the benchmark.

>>> import pipelines
>>> pipe = pipelines.make("hog+color/svm")          # doctest: +SKIP
>>> pipelines.available()[:3]                       # doctest: +SKIP
['pixels/svm', 'pixels/softmax', 'pixels/mlp']
"""

from pipelines.registry import (
    PRESETS,
    PipelineSpec,
    available,
    get_spec,
    make,
    search_space,
    select,
)

__all__ = ["PRESETS", "PipelineSpec", "available", "get_spec", "make", "search_space",
           "select"]
