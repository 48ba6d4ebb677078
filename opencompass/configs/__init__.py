"""Configs shipped with opencompass-lite, under OpenCompass's module and variable names.

They are config *files*, read by the config loader (``opencompass/utils/pyconfig.py``) when a
config imports ``opencompass.configs.X`` inside ``read_base()``; with ``OPENCOMPASS_CONFIGS``
set, OpenCompass's own tree is searched first and these fill the gaps.
"""
