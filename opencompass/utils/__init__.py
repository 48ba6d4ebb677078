"""Small shared helpers: logging, atomic files, names, config serialisation.

Text postprocessors are re-exported here, as OpenCompass configs import them
from ``opencompass.utils``.
"""
from .lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    name: '.text_postprocessors' for name in (
        'general_postprocess', 'strip_postprocess', 'first_capital_postprocess',
        'first_option_postprocess', 'last_number_postprocess', 'first_number_postprocess',
        'gsm8k_postprocess', 'first_line_postprocess')})
