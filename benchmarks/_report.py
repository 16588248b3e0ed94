"""Small helpers shared by the benchmark scripts: timing and table printing."""

import time

import numpy as np
import pandas as pd

__all__ = ["best_time", "markdown_table"]


def best_time(func, *args, repeat=1, **kwargs):
    """Run ``func(*args, **kwargs)`` ``repeat`` times; return (best seconds, last result).

    The minimum over repeats is the least noisy estimate on a shared machine.
    """
    best, result = np.inf, None
    for _ in range(max(1, int(repeat))):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def _cell(value, floatfmt):
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else format(value, floatfmt)
    return str(value)


def markdown_table(df, floatfmt=".3f", index=False):
    """Render a DataFrame as a GitHub markdown table (no optional dependency needed).

    Parameters
    ----------
    df : pandas.DataFrame
        Table to render.
    floatfmt : str, default=".3f"
        Format spec applied to float cells; NaN renders as an empty cell.
    index : bool, default=False
        Whether to include the index as the first column.

    Returns
    -------
    str
        The table, one row a line, without a trailing newline.

    Examples
    --------
    >>> print(markdown_table(pd.DataFrame({"a": [1.0], "b": ["x"]})))
    | a | b |
    | ---: | --- |
    | 1.000 | x |
    """
    if index:
        df = df.reset_index()
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    lines = [
        "| " + " | ".join(str(c) for c in df.columns) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, floatfmt) for v in row) + " |")
    return "\n".join(lines)
