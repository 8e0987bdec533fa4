r"""The command line `python -m primitive_nn.predict`: read your own handwritten digits.

```text
python -m primitive_nn.predict photo.jpg                 # one line: path, digit, top three
python -m primitive_nn.predict *.png --json              # a JSON list, ten probabilities each
python -m primitive_nn.predict photo.jpg --show          # and the 28x28 image the network sees
python -m primitive_nn.predict photo.jpg --network convnet   # another network the package ships
python -m primitive_nn.predict photo.jpg --model runs/a/model.npz
```

Each picture goes through `primitive_nn.handwriting.prepare`: reduced while
it is decoded if it is large, grey, the paper flattened, the ink found
relative to it, ruled lines erased, cropped to the digit's own pieces of
ink, fitted into 20×20, centred by its centre of mass in 28×28. Then the
network reads it: by default the MLP the package ships, `--network` another
of the shipped networks (`primitive_nn.machinery.models`: `convnet`, Part
IV's convnet, or `seed`), each with its temperature, or `--model` any
`model.npz` that `python -m primitive_nn.train --out` wrote. Every network
reads the same prepared image.

The model and the `--show` folder are checked first: a problem with either
stops the command with one line. A picture that cannot be read (missing,
not an image, damaged, blank, two digits) gets its own `error: ...` line on stderr; the
other pictures are still read, and the exit status is 1.
"""

import json
import sys
from pathlib import Path

from primitive_nn import handwriting
from primitive_nn.errors import DataError
from primitive_nn.machinery import figures, files, models
from primitive_nn.machinery.cli import Parser, command

TOP = 3  # probabilities shown per picture in the one-line output


def make_parser():
    """The options of `python -m primitive_nn.predict`."""
    p = Parser(prog="python -m primitive_nn.predict",
               description="Read handwritten digits from pictures (PNG, JPEG, WebP, BMP, TIFF, "
                           "GIF), prepared the way MNIST's digits were.")
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE",
                   help="pictures, each of one digit, dark on light or light on dark: any "
                        "format Pillow reads, such as PNG, JPEG, WebP, BMP, TIFF or GIF")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--network", choices=models.NAMES, default=models.DEFAULT,
                       help="the network shipped in the package that reads the pictures, its "
                            "probabilities calibrated by the temperature models.json records")
    which.add_argument("--model", type=Path, metavar="PATH",
                       help="a model.npz written by `python -m primitive_nn.train --out`, in place "
                            "of a shipped network, its probabilities as trained")
    p.add_argument("--json", action="store_true",
                   help='print a JSON list: {"path", "digit", "probabilities": [10 floats]} per picture')
    p.add_argument("--show", action="store_true",
                   help="show the 28x28 image the network sees (saved as STEM.seen.png "
                        "when there is no display)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="with --show: save the images in this folder, even with a display "
                        "(default: the current folder when there is no display)")
    return p


def read(path, params, temperature=1.0):
    """The prepared 28x28 image of the picture at `path` and the network's ten probabilities.

    The logits are divided by `temperature` first: the shipped network's is
    recorded in `models.json`; a model of `train --out` has none (1.0).
    """
    rgba = handwriting.read_image(path)
    try:
        image = handwriting.prepare(rgba)
    except DataError as error:
        raise DataError(f"{path}: {error}") from error
    A = models.probabilities(params, image.reshape(784, 1), temperature)[:, 0]
    return image, A  # (28, 28), (10,)


def line(path, A):
    """One picture's line of output: path, digit, and the three likeliest digits.

    Examples
    --------
    >>> import numpy as np
    >>> line("seven.jpg", np.array([0, .01, .02, 0, 0, 0, 0, .95, 0, .02]))
    'seven.jpg: 7  (7 95.0%, 2 2.0%, 9 2.0%)'
    """
    top = sorted(range(len(A)), key=lambda digit: -A[digit])[:TOP]
    return f"{path}: {top[0]}  (" + ", ".join(f"{d} {A[d]:.1%}" for d in top) + ")"


def draw(fig, image, A, path):
    """The 28x28 image, pixel for pixel, titled with the network's answer."""
    title = f"{Path(path).name}: reads {A.argmax()} ({A.max():.0%})"
    figures.show_image(fig.add_subplot(), image, title, vmin=0, vmax=1, fontsize=9, frame=True)
    return fig


def show(image, A, path, out_dir, taken):
    """Display the image, or save it as `out_dir`/STEM.seen.png; return "shown" or the path.

    `taken` holds the names already saved in this run; a repeated stem gets
    a number, STEM-2.seen.png, so no picture's image overwrites another's.
    """
    target = None
    if out_dir is not None:
        stem, n = Path(path).stem, 1
        while (name := f"{stem}.seen.png" if n == 1 else f"{stem}-{n}.seen.png") in taken:
            n += 1
        taken.add(name)
        target = Path(out_dir) / name
    return figures.show_or_save(lambda fig: draw(fig, image, A, path), target)


@command
def main(argv=None):
    args = make_parser().parse_args(argv)
    if args.out and not args.show:
        raise DataError("--out is where --show saves its images; add --show, or leave out --out")
    params = models.load(args.model) if args.model else models.load_shipped(args.network)
    temperature = 1.0 if args.model else models.shipped_temperature(args.network)
    out_dir = args.out or (None if figures.has_display() else Path.cwd())  # None: display them
    if args.show and out_dir is not None:
        files.prepare_output_dir(out_dir, "--out" if args.out else "--show")
    results, failed, taken = [], 0, set()
    for path in args.images:
        try:
            image, A = read(path, params, temperature)
        except DataError as error:
            print(f"error: {error}", file=sys.stderr)
            failed += 1
            continue
        results.append({"path": str(path), "digit": int(A.argmax()),
                        "probabilities": [float(a) for a in A]})
        if not args.json:
            print(line(path, A), flush=True)
        if args.show:
            where = show(image, A, path, out_dir, taken)
            print(f"  {path}: 28x28 image {where}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print("[" + ",\n ".join(json.dumps(r) for r in results) + "]")
    return 1 if failed else 0
