"""OpenCompass's module path of ``TurboMindModelwithChatTemplate`` (what its ``-a lmdeploy`` writes)."""
from .turbomind import TurboMindModelwithChatTemplate

__all__ = ['TurboMindModelwithChatTemplate']
