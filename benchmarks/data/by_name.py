"""Load a dataset by the name ``--dataset`` gives it: auto, cifar10, digits or folder:PATH."""

__all__ = ["load_dataset", "folder_path", "check_data_applies", "CIFAR_HINT"]

CIFAR_HINT = (
    "CIFAR-10 not found locally; using scikit-learn's embedded 8x8 digits. "
    "Get CIFAR-10 with 'featbench download cifar10' (or pass --data DIR)."
)


def folder_path(spec):
    """The PATH of a ``folder:PATH`` spec ('' for ``folder:`` alone); None for any other.

    Examples
    --------
    >>> folder_path("folder:/data/jpg"), folder_path("folder:"), folder_path("cifar10")
    ('/data/jpg', '', None)
    """
    if isinstance(spec, str) and spec.startswith("folder:"):
        return spec[len("folder:"):]
    return None


def check_data_applies(spec, data):
    """Raise ``ValueError`` if ``--data`` (the CIFAR-10 folder) is given with a ``--dataset``
    that is not CIFAR-10: ``digits`` or ``folder:PATH``.

    Examples
    --------
    >>> check_data_applies("cifar10", "/data/cifar"), check_data_applies("digits", None)
    (None, None)
    >>> check_data_applies("folder:/data/jpg", "/data/cifar")
    Traceback (most recent call last):
    ...
    ValueError: --data names the CIFAR-10 folder; it does not apply to --dataset ...
    """
    if data is not None and (spec == "digits" or folder_path(spec) is not None):
        raise ValueError(
            f"--data names the CIFAR-10 folder; it does not apply to --dataset {spec}. "
            f"Leave it out, or pass --dataset cifar10."
        )


def load_dataset(spec="auto", data=None, notice=print, skip_unreadable=False, n_jobs=None):
    """Load the dataset a ``--dataset`` option names.

    Parameters
    ----------
    spec : str, default="auto"
        ``"cifar10"``, ``"digits"``, ``"folder:PATH"`` or ``"auto"`` (CIFAR-10
        when found locally, else the digits, with a one-line notice).
    data : str or Path or None, default=None
        Folder holding CIFAR-10 (``--data``); ``None`` searches the usual places.
    notice : callable, default=print
        Receives the one-line notice printed when ``auto`` falls back to digits.
    skip_unreadable : bool, default=False
        ``--skip-unreadable``: for ``folder:PATH`` only, skip the files that
        cannot be read as images (see :func:`~benchmarks.data.image_folder.load_image_folder`).
    n_jobs : int or None, default=None
        ``--n-jobs``: for ``folder:PATH``, the processes that decode the images.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        If ``spec`` is not one of the accepted forms, ``data`` is given with
        ``digits`` or ``folder:PATH``, or ``skip_unreadable`` is asked of a
        dataset that is not a folder.
    FileNotFoundError
        If ``cifar10`` is asked for and not found, or ``$FEATBENCH_DATA`` is
        set to a folder that does not exist or holds no CIFAR-10 (``auto``
        does not fall back to the digits then).
    """
    from benchmarks.data.cifar10 import find_cifar10, load_cifar10
    from benchmarks.data.digits import load_digits

    check_data_applies(spec, data)
    folder = folder_path(spec)
    is_folder = folder is not None
    if skip_unreadable and not is_folder:
        raise ValueError(
            f"--skip-unreadable applies to --dataset folder:PATH only (images that may not "
            f"decode); got --dataset {spec}. Leave it out."
        )
    if spec == "auto":
        if find_cifar10(data) is not None:
            return load_cifar10(data)
        notice(CIFAR_HINT)
        return load_digits()
    if spec == "cifar10":
        return load_cifar10(data)
    if spec == "digits":
        return load_digits()
    if folder:
        from benchmarks.data.image_folder import load_image_folder

        return load_image_folder(folder, skip_unreadable=skip_unreadable,
                                 n_jobs=n_jobs)
    raise ValueError(
        f"--dataset must be auto, cifar10, digits or folder:PATH; got {spec!r}."
    )
