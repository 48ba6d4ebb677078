"""Small shared helpers: logging, atomic files, names, config serialisation.

Text postprocessors are re-exported here, as OpenCompass configs import them
from ``opencompass.utils``; so is ``get_data_path`` (dataset ids -> local paths).
"""
from .lazy import lazy_exports

_POSTPROCESSORS = (
    'general_postprocess', 'strip_postprocess', 'first_capital_postprocess',
    'first_option_postprocess', 'last_number_postprocess', 'first_number_postprocess',
    'gsm8k_postprocess', 'first_line_postprocess')

__getattr__, __all__ = lazy_exports(__name__, {
    **{name: '.text_postprocessors' for name in _POSTPROCESSORS},
    'get_data_path': '.datasets',
    'PromptList': '.prompt',
})
