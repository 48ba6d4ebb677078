"""OpenCompass's module path of ``APITemplateParser`` (defined in ``template_parser``)."""
from .template_parser import APITemplateParser

__all__ = ['APITemplateParser']
