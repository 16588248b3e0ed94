"""The small grid of settings a search tunes for each named pipeline.

:func:`search_space` is the grid, the row's own setting included: the
classifier's settings, and the vocabulary's size for rows that have one;
:func:`split_space` parts it into what changes the features and what only
refits the classifier; :func:`check_search_space` refuses, before any work,
a grid setting a row cannot be fitted with.
"""

from pipelines.registry import get_spec, make

__all__ = ["search_space", "split_space", "check_search_space"]


def search_space(name):
    """The small grid of pipeline parameters tuned by ``--search`` for ``name``.

    The grid of the row's classifier kind (:data:`pipelines.catalog.SEARCH`),
    and of its vocabulary's size where it has one
    (:data:`pipelines.catalog.FEATURE_SEARCH`), with the row's own setting
    added where it is not already there, so that a search can always keep
    the setting the row has without one.

    Examples
    --------
    >>> search_space("hog+color/svm")
    {'clf__alpha': [0.0001, 0.001, 0.01]}
    >>> search_space("pixels/mlp")  # the row's own alpha=0 joins the grid
    {'clf__alpha': [0.0, 0.0001, 0.001, 0.01]}
    >>> search_space("bovw/svm")
    {'features__n_words': [800, 1600], 'clf__alpha': [0.0001, 0.001, 0.01]}
    """
    spec = get_spec(name)
    if not spec.tuned or not spec.search:
        return {key: list(values) for key, values in spec.search.items()}
    own = make(name).get_params()
    return {key: list(values) if own[key] in values else sorted([*values, own[key]])
            for key, values in spec.search.items()}


def split_space(space):
    """``space`` parted into the settings that change the features and the others.

    Examples
    --------
    >>> split_space(search_space("bovw/svm"))
    ({'features__n_words': [800, 1600]}, {'clf__alpha': [0.0001, 0.001, 0.01]})
    """
    features = {key: values for key, values in space.items() if key.startswith("features__")}
    return features, {key: values for key, values in space.items() if key not in features}


def check_search_space(name, fit_images, option="--train-size", without="leave out --search"):
    """Refuse, before any work, a grid setting ``name`` cannot be fitted with on ``fit_images``.

    Parameters
    ----------
    name : str
        One of :func:`available`.
    fit_images : int
        Images the search fits each setting on.
    option : str, default="--train-size"
        The option that set the number of images, named in the message.
    without : str, default="leave out --search"
        How to do without the search, named in the message.

    Raises
    ------
    ValueError
        If a setting of :func:`search_space` needs more fit images than there
        are (a kNN's ``n_neighbors``).

    Examples
    --------
    >>> check_search_space("pixels/knn", 30)
    >>> check_search_space("pixels/knn", 18, "--sizes", "pass --no-search")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: --sizes leaves pixels/knn 18 fit images, fewer than the n_neighbors=20 ...
    """
    if not get_spec(name).tuned:
        return
    for key, values in search_space(name).items():
        if key.rpartition("__")[2] == "n_neighbors" and max(values) > fit_images:
            raise ValueError(
                f"{option} leaves {name} {fit_images} fit images, fewer than the "
                f"n_neighbors={max(values)} of its search grid; pass a larger {option}, "
                f"or {without}.")
