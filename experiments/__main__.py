"""``python -m experiments`` is the same as the ``symile-lab`` console command."""

from experiments.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
