r"""The command line `python -m primitive_nn.data`.

```text
python -m primitive_nn.data                    # fetch MNIST into the cache, verify, print digests
python -m primitive_nn.data --check train.csv  # validate your own data instead
```
"""

from primitive_nn import data
from primitive_nn.machinery import progress
from primitive_nn.machinery.cli import Parser, command
from primitive_nn.machinery.fetch import CACHE_ENV
from primitive_nn.machinery.mnist import load_mnist


def parse_args(argv):
    parser = Parser(prog="python -m primitive_nn.data",
                    description="Fetch MNIST into the cache and verify it, or check your own data.")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help=f"where to keep MNIST (default: ${CACHE_ENV}, else ~/.cache/primitive_nn)")
    parser.add_argument("--check", metavar="PATH",
                        help="validate a directory of IDX files or a Kaggle-style CSV instead of fetching")
    parser.add_argument("--allow-modified", action="store_true",
                        help="with --check: accept IDX files that carry MNIST's names but not its bytes")
    return parser.parse_args(argv)


@command
def main(argv=None):
    """Fetch and verify MNIST, or `--check PATH`; print sizes and SHA-256 digests."""
    args = parse_args(argv)
    mnist = load_mnist(args.check, cache_dir=args.cache_dir, allow_modified=args.allow_modified,
                       progressbar=progress.bars_wanted())
    print(summary(mnist))
    return 0


def summary(mnist):
    """Sizes, then `sha256sum`-style digest lines (of the uncompressed bytes)."""
    test = "no test set" if mnist.test_images is None else f"{len(mnist.test_images)} test images"
    official = "official MNIST, " if mnist.sha256 == data.MNIST_FILES else ""
    lines = [f"{mnist.source}: {len(mnist.train_images)} training images, {test} "
             f"({official}SHA-256 of the uncompressed bytes):"]
    lines += [f"{digest}  {name}" for name, digest in mnist.sha256.items()]
    return "\n".join(lines)
