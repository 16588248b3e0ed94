"""``featbench download`` and ``featbench datasets``: get CIFAR-10, and list what is found."""

__all__ = ["add_download_parser", "add_datasets_parser"]


def _cmd_datasets(args):
    from benchmarks.data.cifar10 import find_cifar10, load_cifar10

    folder = find_cifar10(args.data) if args.data else find_cifar10()
    if folder is None:
        print("cifar10: not found (looked in $FEATBENCH_DATA and the cache folder); "
              "get it with 'featbench download cifar10'")
    else:
        ds = load_cifar10(folder)
        print(f"cifar10: {ds.source}: {len(ds.y_train)} train, {len(ds.y_test)} test")
    print("digits: embedded in scikit-learn: 1797 images (8x8, 10 classes)")
    return 0


def _cmd_download(args):
    from benchmarks.data.download import download_cifar10

    path = download_cifar10(dest=args.dest, fmt=args.format, progress=not args.quiet,
                            **({} if args.deadline is None else {"deadline": args.deadline}))
    print(f"CIFAR-10 ({args.format} layout) is in {path}")
    return 0


def add_download_parser(sub):
    """Register ``featbench download`` on the subparsers ``sub``."""
    p = sub.add_parser("download", help="download a dataset (the only networked command)")
    p.add_argument("name", choices=["cifar10"])
    p.add_argument("--format", choices=["python", "binary"], default="python")
    p.add_argument("--dest", default=None, help="target folder (default: the cache folder)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--deadline", type=float, default=None, metavar="SECONDS",
                   help="most seconds the whole download may take (default 7200)")
    p.set_defaults(func=_cmd_download)
    return p


def add_datasets_parser(sub):
    """Register ``featbench datasets`` on the subparsers ``sub``."""
    p = sub.add_parser("datasets", help="list the datasets found locally, with counts")
    p.add_argument("--data", default=None, help="folder holding CIFAR-10's batches")
    p.set_defaults(func=_cmd_datasets)
    return p
