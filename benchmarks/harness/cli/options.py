"""Options that several ``featbench`` subcommands share: which dataset, from where, how."""

__all__ = ["add_dataset_options"]


def add_dataset_options(p):
    """Add ``--dataset``, ``--data`` and ``--skip-unreadable`` to the subcommand parser ``p``.

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> add_dataset_options(p)
    >>> p.parse_args(["--dataset", "digits"]).dataset
    'digits'
    """
    p.add_argument("--dataset", default="auto",
                   help="auto (default: CIFAR-10 if found, else digits), cifar10, digits "
                        "or folder:PATH (PATH/<class>/<image>)")
    p.add_argument("--data", default=None, help="folder holding CIFAR-10's batches")
    p.add_argument("--skip-unreadable", action="store_true",
                   help="with --dataset folder:PATH, skip (and list) the files that cannot "
                        "be read as images instead of stopping")
