"""Named feature + classifier pipelines compared by the benchmark.

>>> import pipelines
>>> pipe = pipelines.make("hog+color/svm")
>>> [step for step, _ in pipe.steps]
['features', 'scale', 'clf']
>>> pipelines.available()[:3]
['pixels/svm', 'pixels/softmax', 'pixels/mlp']
"""

from pipelines.registry import (
    NEEDS_TORCH,
    PRESETS,
    PipelineSpec,
    available,
    get_spec,
    hog_step,
    make,
    select,
)
from pipelines.search import check_search_space, search_space, split_space

__all__ = ["NEEDS_TORCH", "PRESETS", "PipelineSpec", "available", "check_search_space",
           "get_spec", "hog_step", "make", "search_space", "select", "split_space"]
