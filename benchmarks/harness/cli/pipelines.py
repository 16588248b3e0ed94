"""``featbench pipelines``: every named pipeline, what it computes, its presets and grid."""

__all__ = ["add_pipelines_parser"]


def _cmd_pipelines(args):
    import pandas as pd

    import pipelines
    from benchmarks.harness.results import markdown_table

    names = pipelines.select(args.patterns)
    presets = {name: [p for p, members in pipelines.PRESETS.items()
                      if p != "all" and name in members] for name in names}
    table = pd.DataFrame({
        "pipeline": names,
        "what it computes": [pipelines.get_spec(n).description for n in names],
        "presets": [", ".join(presets[n]) for n in names],
        "--search grid": [
            "; ".join(f"{k.removeprefix('clf__')} {v}" for k, v in
                      pipelines.search_space(n).items()) for n in names],
    })
    print(markdown_table(table))
    print("\nWith the default --augment auto on color images, raw-pixel rows (pixels/*, "
          "ref:pixels/*) draw a random mirror and a random shift of up to 1/16 of the image "
          "size for every image of every mini-batch, kNN gets no augmentation, and the "
          "feature rows train on the fit images and their mirror images.")
    missing = [n for n in pipelines.NEEDS_TORCH if n not in pipelines.select("all")]
    if missing:
        print(f"Not listed: {', '.join(missing)}, which needs PyTorch "
              "(pip install 'torch==2.13.0+cpu').")
    return 0


def add_pipelines_parser(sub):
    """Register ``featbench pipelines`` on the subparsers ``sub``."""
    p = sub.add_parser("pipelines", help="list the named pipelines: what each computes, "
                                         "its presets and its --search grid")
    p.add_argument("patterns", nargs="?", default="all",
                   help="names, globs or presets, comma-separated (default: all)")
    p.set_defaults(func=_cmd_pipelines)
    return p
