#!/usr/bin/env python
"""Evaluate language models on benchmarks: ``python run.py CONFIG [options]``."""
import sys

from opencompass.cli import main

if __name__ == '__main__':
    sys.exit(main())
