"""OpenCompass import path of :class:`DatasetReader`."""
from ..datasets.base import DatasetReader

__all__ = ['DatasetReader']
