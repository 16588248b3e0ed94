"""``featbench run``: options, and what the command does with them."""

__all__ = ["add_run_parser"]


def _cmd_run(args):
    from benchmarks.cli import resolve_dataset

    dataset = resolve_dataset(args.dataset, args.data)
    print(dataset.summary())
    return 0


def add_run_parser(sub, add_dataset_options):
    """Register ``featbench run`` on the subparsers ``sub``."""
    p = sub.add_parser("run", help="run the benchmark and print the comparison table")
    add_dataset_options(p)
    p.set_defaults(func=_cmd_run)
    return p
