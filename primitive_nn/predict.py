r"""`python -m primitive_nn.predict IMAGE ...`: read your own handwritten digits (machinery).

The command lives in `primitive_nn.machinery.predict_cli`; this module only
starts it, so that the command keeps its short name. The steps it runs on
each picture are the chapter `primitive_nn.handwriting`.
"""

if __name__ == "__main__":
    from primitive_nn.machinery.launch import launch

    raise SystemExit(launch("predict"))
