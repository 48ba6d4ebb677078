"""Instructions for ``navie_model_postprocess`` (OpenCompass's names, this project's wording).

A config passes one as ``custom_instruction``; it is added to the extraction request after
the general instruction and before the question.
"""

OPTION_NAVIE_PROMPT_TEMPLATE = """
What to extract, in detail:
1. The question has lettered options (A, B, C, D, ...): give the letter of the option the
   output sentences settle on.
2. Exactly one option is right: give a single letter, never several.
"""

MATH_NAVIE_PROMPT_TEMPLATE = """
What to extract, in detail:
1. The question is a math problem: the answer is a number, set, vector, matrix, interval,
   expression, function, equation or inequality, or a combination of these.
2. Leave out units and any other symbol that is not part of the answer itself.
"""

__all__ = ['OPTION_NAVIE_PROMPT_TEMPLATE', 'MATH_NAVIE_PROMPT_TEMPLATE']
