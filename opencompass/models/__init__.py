"""Model wrappers. Importing a class here never imports torch; loading the model does."""
from ..utils.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    'BaseModel': '.base',
    'HuggingFaceCausalLM': '.huggingface',
    'HuggingFace': '.huggingface',
    'HuggingFacewithChatTemplate': '.huggingface',
    'HuggingFaceBaseModel': '.huggingface_above_v4_33',
    'LMTemplateParser': '.template_parser',
    'APITemplateParser': '.template_parser',
    'OpenAISDK': '.openai_api',
    'OpenAI': '.openai_api',
    'VLLM': '.vllm',  # imports vllm only when a model is built
    'VLLMwithChatTemplate': '.vllm',
    'TurboMindModel': '.turbomind',  # runs on vLLM or transformers (docs/models.md)
    'TurboMindModelwithChatTemplate': '.turbomind',
})
