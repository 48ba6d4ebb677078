"""Instruction texts for the model postprocessors (``opencompass.utils.model_postprocessors``)."""
