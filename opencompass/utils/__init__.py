"""Small shared helpers: logging, atomic files, names, config serialisation.

Text postprocessors are re-exported here, as OpenCompass configs import them
from ``opencompass.utils``; so is ``get_data_path`` (dataset ids -> local paths).
"""
from .lazy import lazy_exports

_POSTPROCESSORS = (
    'general_postprocess', 'strip_postprocess', 'first_capital_postprocess',
    'first_option_postprocess', 'last_number_postprocess', 'first_number_postprocess',
    'gsm8k_postprocess', 'first_line_postprocess', 'gsm8k_dataset_postprocess',
    'general_cn_postprocess', 'last_capital_postprocess', 'think_pred_postprocess',
    'first_capital_postprocess_multi', 'last_option_postprocess', 'multiple_select_postprocess',
    'xml_tag_postprocessor', 'general_eval_wrapper_postprocess', 'match_answer_pattern',
    'extract_non_reasoning_content')

__getattr__, __all__ = lazy_exports(__name__, {
    **{name: '.text_postprocessors' for name in _POSTPROCESSORS},
    'get_data_path': '.datasets',
    'PromptList': '.prompt',
    **{name: '.model_postprocessors' for name in (
        'navie_model_postprocess', 'naive_model_postprocess', 'xfinder_postprocess')},
})
