"""How many of OpenCompass's own config files run here unchanged (issue 11's table).

    OPENCOMPASS_REPO=/path/to/opencompass-checkout python benchmarks/compat_opencompass.py

Each real file is run as a user would, ``run.py ... --dry-run`` in a subprocess (nothing is
computed), with ``OPENCOMPASS_CONFIGS`` pointing at the checkout's ``opencompass/configs`` and
tiny invented data written in OpenCompass's layout under ``COMPASS_DATA_CACHE`` (a temp dir):

- ``examples/eval_*.py``: all of them, and those whose ``opencompass.*`` names (followed
  through every ``read_base()`` import) all exist in this package ("supported");
- dataset configs of gsm8k, mmlu, ARC_c, ARC_e, hellaswag, bbh, humaneval, math, ceval, cmmlu,
  ``path=`` as shipped, each with a local API model config (``--models``): all, and the
  supported ones;
- model configs whose ``type`` is a model class we support, each with a tiny dataset; the
  lmdeploy ones (``TurboMindModel*``) in a row of their own;
- summarizer configs using ``DefaultSummarizer``: loaded, then a summary is built from
  invented results for every dataset abbr they name.

Prints the table and the failure reasons grouped; ``--json FILE`` also writes them. The
checkout is read at run time only; none of its files is copied into this repository.
"""
from __future__ import annotations

import argparse
import ast
import collections
import concurrent.futures as cf
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
BENCHMARKS = ('gsm8k', 'mmlu', 'ARC_c', 'ARC_e', 'hellaswag', 'bbh', 'humaneval', 'math', 'ceval',
              'cmmlu')
MODEL_TYPES = ('HuggingFacewithChatTemplate', 'HuggingFaceBaseModel', 'HuggingFaceCausalLM',
               'HuggingFace', 'OpenAISDK', 'OpenAI')


# -- tiny data in OpenCompass's layout (rows invented here) ---------------------------------

def _jsonl(path: str, rows: list[dict]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(json.dumps(r) + '\n' for r in rows)


def write_tiny_data(cache: str) -> None:
    """``<cache>/data/...`` as OpenCompass's data archive unpacks (3 invented rows each)."""
    from opencompass.config import load_config
    ours = os.path.join(ROOT, 'opencompass', 'configs', 'datasets')
    subjects = load_config(os.path.join(ours, 'mmlu', 'mmlu_gen.py'))['mmlu_all_sets']
    bbh = load_config(os.path.join(ours, 'bbh', 'bbh_gen.py'))
    tasks = bbh['bbh_multiple_choice_sets'] + bbh['bbh_free_form_sets']
    data = os.path.join(cache, 'data')
    math = [{'question': f'What is {i} plus {i}?', 'answer': f'{i} and {i} make {2 * i}.\n#### {2 * i}'}
            for i in range(1, 6)]
    for split in ('train', 'test'):
        _jsonl(os.path.join(data, 'gsm8k', f'{split}.jsonl'), math)
    for split in ('dev', 'val', 'test'):
        os.makedirs(os.path.join(data, 'mmlu', split), exist_ok=True)
        for s in subjects:
            with open(os.path.join(data, 'mmlu', split, f'{s}_{split}.csv'), 'w', newline='') as f:
                csv.writer(f).writerows([[f'Question {i} on {s}?', 'one', 'two', 'three', 'four',
                                          'ABCD'[i % 4]] for i in range(5)])
    arc = [{'id': f'q{i}', 'question': {'stem': f'Which is number {i}?', 'choices': [
        {'text': t, 'label': lab} for t, lab in zip(['one', 'two', 'three', 'four'], 'ABCD')]},
        'answerKey': 'ABCD'[i % 4]} for i in range(4)]
    for short, name in (('c', 'Challenge'), ('e', 'Easy')):
        for split in ('Dev', 'Test', 'Train'):
            _jsonl(os.path.join(data, 'ARC', f'ARC-{short}', f'ARC-{name}-{split}.jsonl'), arc)
    swag = [{'query': f'Someone starts task {i}.', 'choices': ['a', 'b', 'c', 'd'], 'gold': i % 4,
             'ctx': f'Someone starts task {i}.', 'ctx_a': f'Someone starts task {i}.', 'ctx_b': '',
             'endings': ['a', 'b', 'c', 'd'], 'label': i % 4, 'activity_label': 'Tasks',
             'split': 'val', 'split_type': 'indomain', 'ind': i, 'source_id': f's{i}'}
            for i in range(3)]
    for name in ('hellaswag.jsonl', 'hellaswag_val.jsonl', 'hellaswag_train_sampled25.jsonl',
                 'hellaswag_train.jsonl'):
        _jsonl(os.path.join(data, 'hellaswag', name), swag)
    for t in tasks:
        os.makedirs(os.path.join(data, 'BBH', 'data'), exist_ok=True)
        os.makedirs(os.path.join(data, 'BBH', 'lib_prompt'), exist_ok=True)
        with open(os.path.join(data, 'BBH', 'data', f'{t}.json'), 'w') as f:
            json.dump({'examples': [{'input': f'{t} question {i}', 'target': '(A)'}
                                    for i in range(3)]}, f)
        with open(os.path.join(data, 'BBH', 'lib_prompt', f'{t}.txt'), 'w') as f:
            f.write(f'Solve {t}.\n\nQ: example\nA: Let us think. So the answer is (A).')
    problems = [{'task_id': f'HumanEval/{i}', 'prompt': f'def f{i}(x):\n    """Return x."""\n',
                 'canonical_solution': '    return x\n', 'entry_point': f'f{i}',
                 'test': f'def check(candidate):\n    assert candidate({i}) == {i}\n'}
                for i in range(3)]
    _jsonl(os.path.join(data, 'humaneval', 'human-eval-v2-20210705.jsonl'), problems)
    competition = {str(i): {'problem': f'What is ${i}+{i}$?', 'level': 'Level 1', 'type': 'Algebra',
                            'solution': f'${i}+{i}={2 * i}$, so the answer is $\\boxed{{{2 * i}}}$.'}
                   for i in range(3)}
    os.makedirs(os.path.join(data, 'math'), exist_ok=True)
    for name in ('math.json', 'test_prm800k_500.json'):
        with open(os.path.join(data, 'math', name), 'w') as f:
            json.dump(competition, f)
    _jsonl(os.path.join(data, 'math', 'test_prm800k_500.jsonl'),
           [{**row, 'answer': str(2 * int(key))} for key, row in competition.items()])
    _write_exam_csvs(data, ours)


def _write_exam_csvs(data: str, ours: str) -> None:
    """C-Eval (``ceval/formal_ceval/<split>/<s>_<split>.csv``, no answers in test) and CMMLU
    (``cmmlu/<split>/<s>.csv``), headers as published."""
    from opencompass.config import load_config
    ceval = load_config(os.path.join(ours, 'ceval', 'ceval_all_sets.py'))['ceval_all_sets']
    cmmlu = load_config(os.path.join(ours, 'cmmlu', 'cmmlu_all_sets.py'))['cmmlu_all_sets']
    files: list[tuple[str, list[list[str]]]] = []
    for s in ceval:
        for split in ('dev', 'val', 'test'):
            answered = split != 'test'
            header = ['id', 'question', 'A', 'B', 'C', 'D'] + (['answer'] if answered else [])
            files.append((os.path.join('ceval', 'formal_ceval', split, f'{s}_{split}.csv'), [header] + [
                [str(i), f'问题{i}', '一', '二', '三', '四'] + (['ABCD'[i % 4]] if answered else [])
                for i in range(5)]))
    for s in cmmlu:
        for split in ('dev', 'test'):
            files.append((os.path.join('cmmlu', split, f'{s}.csv'), [
                ['', 'Question', 'A', 'B', 'C', 'D', 'Answer']] + [
                [str(i), f'问题{i}', '一', '二', '三', '四', 'ABCD'[i % 4]] for i in range(5)]))
    for relative, rows in files:
        os.makedirs(os.path.dirname(os.path.join(data, relative)), exist_ok=True)
        with open(os.path.join(data, relative), 'w', encoding='utf-8', newline='') as f:
            csv.writer(f).writerows(rows)


def write_helper_configs(config_dir: str, data_file: str) -> None:
    """``models/compat_api.py`` (an API model nothing calls) and ``datasets/compat_tiny.py``."""
    os.makedirs(os.path.join(config_dir, 'models'), exist_ok=True)
    os.makedirs(os.path.join(config_dir, 'datasets'), exist_ok=True)
    with open(os.path.join(config_dir, 'models', 'compat_api.py'), 'w') as f:
        f.write("from opencompass.models import OpenAISDK\n"
                "models = [dict(type=OpenAISDK, abbr='compat-api', path='m', key='ENV',\n"
                "               openai_api_base='http://127.0.0.1:9/v1', max_out_len=8)]\n")
    _jsonl(data_file, [{'question': '1+1', 'answer': '2'}])
    with open(os.path.join(config_dir, 'datasets', 'compat_tiny.py'), 'w') as f:
        f.write("from opencompass.datasets import CustomDataset\n"
                f"compat_tiny_datasets = [dict(abbr='compat_tiny', type=CustomDataset, path={data_file!r},\n"
                "    reader_cfg=dict(input_columns=['question'], output_column='answer'),\n"
                "    infer_cfg=dict(prompt_template=dict(type='PromptTemplate', template='{question}'),\n"
                "                   retriever=dict(type='ZeroRetriever'),\n"
                "                   inferencer=dict(type='GenInferencer')),\n"
                "    eval_cfg=dict(evaluator=dict(type='AccEvaluator')))]\n")


# -- which files use only names we have --------------------------------------------------

def _imports(path: str) -> list[tuple[str, int, list[str]]]:
    try:
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return []
    return [(n.module or '', n.level, [a.name for a in n.names])
            for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]


def missing_names(path: str, configs_root: str, seen: set[str] | None = None) -> set[str]:
    """``opencompass.*`` names used by ``path`` and the configs it imports that we lack."""
    import importlib
    seen = set() if seen is None else seen
    if path in seen:
        return set()
    seen.add(path)
    missing: set[str] = set()
    for module, level, names in _imports(path):
        if level or module.startswith('opencompass.configs'):
            if level:
                base = os.path.join(os.path.dirname(path), *(['..'] * (level - 1)),
                                    *module.split('.')) if module else ''
            else:
                base = os.path.join(configs_root, *module.split('.')[2:])
            if os.path.isfile(base + '.py'):
                missing |= missing_names(base + '.py', configs_root, seen)
            else:  # a config missing from OpenCompass's own tree: broken upstream
                missing.add(f'config {"." * level}{module}')
            continue
        if not module.startswith('opencompass'):
            continue
        try:
            mod = importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a module we do not have
            missing.add(module)
            continue
        missing |= {f'{module}.{n}' for n in names if n != '*' and not hasattr(mod, n)}
    return missing


def _defines_datasets(path: str) -> bool:
    """A dataset config (defines or imports ``*_datasets``), not a helper such as
    ``mmlu_all_sets.py``."""
    with open(path, encoding='utf-8') as f:
        return bool(re.search(r'^\s*\w*_datasets\s*=|import[^\n]*_datasets', f.read(), re.M))


# -- running -----------------------------------------------------------------------------

def run_one(argv: list[str], env: dict[str, str], cwd: str) -> tuple[bool, str]:
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)
    if proc.returncode == 0:
        return True, ''
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(('error:', 'internal error'))]
    problems = [ln.strip()[2:] for ln in lines if ln.startswith('  - ')]
    return False, (problems[0] if problems else (errors or lines or ['(no output)'])[-1])


def reason_key(message: str) -> str:
    """The failure reason with file names and numbers blanked, to group alike failures."""
    text = re.sub(r"'[^']*/[^']*'|\S*/\S*\.py(:\d+)?", '<path>', message)
    text = re.sub(r'\[[^\]]*\]', '[..]', text)
    return re.sub(r'\d+', 'N', text)[:150]


def summarizer_check(path: str) -> None:
    """Load a summarizer config, then build its summary over invented results."""
    from opencompass.config import fill_defaults, load_config
    from opencompass.registry import SUMMARIZERS, build
    values = load_config(path)
    summarizer = dict(values['summarizer'])
    names: list[str] = []
    for entry in summarizer.get('dataset_abbrs') or []:
        names.append(str(entry[0] if isinstance(entry, (list, tuple)) else entry))
    for group in summarizer.get('summary_groups') or []:
        names += [str(s[0] if isinstance(s, (list, tuple)) else s) for s in group['subsets']]
    groups = {g['name'] for g in summarizer.get('summary_groups') or []}
    abbrs = sorted({n for n in names if n not in groups}) or ['x']
    run = tempfile.mkdtemp(prefix='compat-summary-')
    os.makedirs(os.path.join(run, 'results', 'm'))
    metrics = {e[1] for e in summarizer.get('dataset_abbrs') or [] if isinstance(e, (list, tuple))}
    for i, abbr in enumerate(abbrs):
        result = {'accuracy': float(i % 100), 'num_samples': 3, **{m: 50.0 for m in metrics}}
        from opencompass.tasks.outputs import output_file
        target = output_file(run, 'results', {'abbr': 'm'}, {'abbr': abbr})
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, 'w') as f:
            json.dump(result, f)
    cfg = fill_defaults({'models': [{'abbr': 'm', 'path': 'x'}],
                         'datasets': [{'abbr': a} for a in abbrs], 'summarizer': summarizer},
                        slurm=False)
    build({'type': 'DefaultSummarizer', **cfg['summarizer']}, SUMMARIZERS, config=cfg) \
        .summarize(run, 'compat')


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', default='examples,datasets,models,summarizers')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--json', default=None, help='also write the figures and failures here')
    ap.add_argument('--summarizer-check', default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.summarizer_check:
        summarizer_check(args.summarizer_check)
        return 0
    repo = os.environ.get('OPENCOMPASS_REPO')
    if not repo or not os.path.isdir(os.path.join(repo, 'opencompass', 'configs')):
        print('skipped: set OPENCOMPASS_REPO to a checkout of OpenCompass')
        return 0
    configs = os.path.join(repo, 'opencompass', 'configs')
    work = tempfile.mkdtemp(prefix='compat-oc-')
    write_tiny_data(work)
    helper = os.path.join(work, 'helper_configs')
    write_helper_configs(helper, os.path.join(work, 'tiny.jsonl'))
    env = dict(os.environ, OPENCOMPASS_CONFIGS=configs, COMPASS_DATA_CACHE=work,
               PYTHONPATH=ROOT, OPENAI_API_KEY='unused', OC_LOG_LEVEL='ERROR')
    run_py = os.path.join(ROOT, 'run.py')
    out = os.path.join(work, 'outputs')
    jobs: dict[str, list[tuple[str, list[str]]]] = collections.defaultdict(list)
    only = args.only.split(',')
    supported: set[str] = set()
    if 'examples' in only:
        for name in sorted(os.listdir(os.path.join(repo, 'examples'))):
            if re.fullmatch(r'eval_.*\.py', name):
                path = os.path.join(repo, 'examples', name)
                with open(path, encoding='utf-8') as f:  # run.py's chatml_datasets: not here
                    chatml = re.search(r'^chatml_datasets\s*=', f.read(), re.M)
                if not missing_names(path, configs) and not chatml:
                    supported.add(path)
                jobs['examples'].append((path, [run_py, path, '--dry-run', '-w', out]))
    if 'datasets' in only:
        for bench in BENCHMARKS:
            folder = os.path.join(configs, 'datasets', bench)
            for name in sorted(os.listdir(folder)):
                path = os.path.join(folder, name)
                if name.endswith('.py') and _defines_datasets(path):
                    if not missing_names(path, configs):
                        supported.add(path)
                    jobs['datasets'].append((path, [run_py, '--models', 'compat_api', '--datasets',
                                                    path, '--config-dir', helper, '--dry-run',
                                                    '-w', out]))
    if 'models' in only:
        for dirpath, _, files in sorted(os.walk(os.path.join(configs, 'models'))):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if not name.endswith('.py'):
                    continue
                with open(path, encoding='utf-8') as f:
                    types = set(re.findall(r'type\s*=\s*([A-Za-z_]+)', f.read()))
                argv = [run_py, '--models', path, '--datasets', 'compat_tiny', '--config-dir',
                        helper, '--dry-run', '-w', out]
                if types & set(MODEL_TYPES) and not types & {'TurboMindModel', 'VLLM',
                                                             'TurboMindModelwithChatTemplate',
                                                             'VLLMwithChatTemplate'}:
                    jobs['models'].append((path, argv))
                elif types & {'TurboMindModel', 'TurboMindModelwithChatTemplate'}:
                    jobs['lmdeploy'].append((path, argv))
    if 'summarizers' in only:
        folder = os.path.join(configs, 'summarizers')
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if name.endswith('.py'):
                with open(path, encoding='utf-8') as f:
                    text = f.read()
                if re.search(r'^summarizer\s*=', text, re.M) and not re.search(
                        r'type\s*=\s*\w+Summarizer', text):
                    jobs['summarizers'].append((path, [os.path.abspath(__file__),
                                                       '--summarizer-check', path]))
    results: dict[str, list[tuple[str, bool, str]]] = collections.defaultdict(list)
    with cf.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run_one, argv, env, work): (kind, path)
                   for kind, items in jobs.items() for path, argv in items}
        for fut in cf.as_completed(futures):
            kind, path = futures[fut]
            ok, why = fut.result()
            results[kind].append((path, ok, why))
    return report(results, supported, repo, args.json)


def report(results: dict[str, list[tuple[str, bool, str]]], supported: set[str], repo: str,
           json_path: str | None) -> int:
    def figure(rows: list[tuple[str, bool, str]]) -> str:
        ok = sum(1 for _, good, _ in rows if good)
        return f'{ok} of {len(rows)} ({100.0 * ok / len(rows):.0f} %)' if rows else '-'

    labels = {'datasets': 'dataset configs of the supported benchmarks, `path=` as shipped',
              'models': 'model configs of supported model types (hf_*, qwen, llama, openai ...)',
              'lmdeploy': 'lmdeploy model configs (`TurboMindModel*`, run on vLLM or transformers)',
              'summarizers': 'summarizer configs (DefaultSummarizer): load and build the summary'}
    print('| real OpenCompass files | load and plan here |\n|---|---|')
    if 'examples' in results:
        rows = results['examples']
        print(f"| `examples/eval_*.py` using only supported components | "
              f"{figure([r for r in rows if r[0] in supported])} |")
        print(f'| `examples/eval_*.py`, all | {figure(rows)} |')
    for kind, label in labels.items():
        if kind in results:
            print(f'| {label} | {figure(results[kind])} |')
        if kind == 'datasets' and kind in results:
            print(f"| the same, using only supported components | "
                  f"{figure([r for r in results[kind] if r[0] in supported])} |")
    failures: dict[str, dict[str, list[str]]] = {}
    for kind, rows in results.items():
        grouped: dict[str, list[str]] = collections.defaultdict(list)
        for path, ok, why in rows:
            if not ok:
                grouped[reason_key(why)].append(os.path.relpath(path, repo))
        failures[kind] = grouped
        if grouped:
            print(f'\nfailures, {kind}')
            for why, paths in sorted(grouped.items(), key=lambda kv: -len(kv[1])):
                print(f'  {len(paths):3d}  {why}\n       e.g. {paths[0]}')
    if json_path:
        with open(json_path, 'w') as f:
            json.dump({k: [[os.path.relpath(p, repo), ok, why] for p, ok, why in v]
                       for k, v in results.items()} | {'supported': sorted(
                           os.path.relpath(p, repo) for p in supported)}, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
