"""An orchestrator that evaluates language models on benchmarks, locally or on Slurm.

Importing this package is cheap on purpose: every sub-package resolves its public
names lazily, so `run.py --help` never pulls in torch or transformers.
"""
__version__ = '0.1.0'
