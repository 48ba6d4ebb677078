"""The MATH benchmark: ``MATHDataset`` on invented data in OpenCompass's layout, the answer
post-processors and equivalence on a table of cases taken from the documented behaviour, and
``run.py --models ... --datasets math_gen`` end to end on the tiny model.

Seen failing first: before ``MATHDataset`` existed, ``from opencompass.datasets import
MATHDataset`` raised ImportError ("is not supported by opencompass-lite") and run.py stopped
with "config 'math_gen' not found"; the equivalence rows for units (``5 \\text{ cm}``),
``\\text{(C)}``, ``25\\%`` = ``25`` and the ``3.5`` decimal in ``math_postprocess`` failed on
the earlier ``is_equiv``/``normalize_final_answer`` (they gave False / ``3``)."""
from __future__ import annotations

import csv
import glob
import json
import os

import pytest
from helpers import ROOT, only_run, read_json, run_cli

from opencompass.errors import DatasetError

# invented problems in the layout of OpenCompass's data/math/math.json
PROBLEMS = {
    'algebra/1': {'problem': 'Solve $2x = 10$.', 'level': 'Level 1', 'type': 'Algebra',
                  'solution': 'Dividing by $2$, $x = \\boxed{5}$.'},
    'geometry/7': {'problem': 'What fraction of a square is one of its halves?', 'level': 'Level 2',
                   'type': 'Geometry', 'solution': 'It is $\\boxed{\\frac{1}{2}}$ of it.'},
    'number_theory/3': {'problem': 'Which option is prime: (A) 4 (B) 7?', 'level': 'Level 1',
                        'type': 'Number Theory', 'solution': 'So $\\boxed{\\text{(B)}}$.'},
}


def write_math(cache: str) -> str:
    folder = os.path.join(cache, 'data', 'math')
    os.makedirs(folder, exist_ok=True)
    for name in ('math.json', 'test_prm800k_500.json'):
        with open(os.path.join(folder, name), 'w') as f:
            json.dump(PROBLEMS, f)
    with open(os.path.join(folder, 'test_prm800k_500.jsonl'), 'w') as f:
        for key, row in PROBLEMS.items():
            f.write(json.dumps({**row, 'unique_id': key}) + '\n')
    return cache


def test_math_dataset_reads_the_archive_layout(tmp_path, monkeypatch):
    from opencompass.datasets import CustomDataset, MATHDataset
    monkeypatch.setenv('COMPASS_DATA_CACHE', write_math(str(tmp_path)))
    reader = dict(input_columns=['problem'], output_column='solution')
    ds = MATHDataset(reader_cfg=reader, path='opencompass/math')
    assert [r['solution'] for r in ds.test] == ['5', '\\frac{1}{2}', '\\text{(B)}']
    assert ds.test[0]['problem'] == 'Solve $2x = 10$.' and len(ds.train) == 3
    prm = MATHDataset(reader_cfg=reader, path='opencompass/math', file_name='test_prm800k_500.json')
    assert len(prm.test) == 3
    jsonl = MATHDataset(reader_cfg=reader, path='opencompass/math', file_name='test_prm800k_500.jsonl')
    assert jsonl.test[1]['solution'] == '\\frac{1}{2}'
    whole = MATHDataset(reader_cfg=reader, path=str(tmp_path / 'data' / 'math' / 'math.json'))
    assert len(whole.test) == 3  # path naming the file itself
    custom = CustomDataset(reader_cfg=reader, path='opencompass/math', file_name='test_prm800k_500.jsonl')
    assert custom.test[2]['unique_id'] == 'number_theory/3'


def test_math_dataset_errors_are_one_line(tmp_path, monkeypatch):
    from opencompass.datasets import MATHDataset
    monkeypatch.setenv('COMPASS_DATA_CACHE', str(tmp_path))
    with pytest.raises(DatasetError, match=r"expected '.*data/math/'"):
        MATHDataset(path='opencompass/math')
    write_math(str(tmp_path))
    with pytest.raises(DatasetError, match=r"expected the file '.*nope\.json'"):
        MATHDataset(path='opencompass/math', file_name='nope.json')
    bad = tmp_path / 'data' / 'math' / 'math.json'
    bad.write_text(json.dumps({'p1': {'problem': 'x', 'solution': 'no box here'}}))
    with pytest.raises(DatasetError, match=r"problem 'p1': the solution has no \\boxed"):
        MATHDataset(path='opencompass/math')


# (prediction, reference, equal?) from the documented behaviour of MATH's equivalence
EQUIV = [
    ('\\boxed{5}', '5', True),
    ('\\dfrac{1}{2}', '\\frac{1}{2}', True),
    ('\\frac12', '\\frac{1}{2}', True),
    ('1/2', '\\frac{1}{2}', True),
    ('0.5', '\\frac{1}{2}', True),
    ('-\\frac{2}{3}', '-2/3', True),
    ('\\frac{2}{3}', '\\frac{3}{2}', False),
    ('5 \\text{ cm}', '5', True),
    ('12 dollars', '12', True),
    ('\\$18', '18', True),
    ('90^\\circ', '90', True),
    ('25\\%', '25', True),
    ('25\\%', '0.25', True),
    ('25\\%', '26', False),
    ('10,000', '10000', True),
    ('5.00', '5', True),
    ('x = 3', '3', True),
    ('\\left( 3, \\frac{\\pi}{2} \\right)', '(3,\\frac{\\pi}{2})', True),
    ('(1,2)', '(2,1)', False),
    ('\\frac{\\sqrt3}{2}', '\\frac{\\sqrt{3}}{2}', True),
    ('\\text{(B)}', '\\text{(B)}', True),
    ('B', '\\text{(B)}', True),
    ('C', '\\text{(B)}', False),
    ('\\text{Monday}', 'monday', True),
    ('', '5', False),
    ('   ', '', False),
    (None, '5', False),
    ('5', None, False),
]


@pytest.mark.parametrize('pred,ref,equal', EQUIV)
def test_is_equiv_table(pred, ref, equal):
    from opencompass.datasets import MATHEvaluator
    from opencompass.datasets.math import is_equiv
    assert is_equiv(pred, ref) is equal
    for version in ('v1', 'v2'):
        out = MATHEvaluator(version=version).score([pred], [ref])
        assert out['accuracy'] == (100.0 if equal else 0.0)


POST = [
    # (text, math_postprocess_v2, math_postprocess)
    ('We get $x = \\boxed{\\frac{3}{4}}$.', '\\frac{3}{4}', '\\frac{3}{4}'),
    ('Thus $y=2$. Final Answer: The final answer is $3.5$. I hope it is correct.', '3.5', '3.5'),
    ('So \\boxed{{12}} it is.', '12', '12'),
    ('The answer is 1,234.', '1234', '1234'),
    ('First 5, then 18', '18', 'First5,then18'),
    ('no idea', '', 'noidea'),
    ('', '', ''),
]


@pytest.mark.parametrize('text,v2,v1', POST)
def test_math_postprocessors(text, v2, v1):
    from opencompass.datasets import math_postprocess, math_postprocess_v2
    assert math_postprocess_v2(text) == v2
    assert math_postprocess(text) == v1


def test_box_helpers_and_normalize():
    from opencompass.datasets import last_boxed_only_string, normalize_final_answer, remove_boxed
    text = 'first \\boxed{1} then \\boxed{\\frac{a}{b}} end'
    assert last_boxed_only_string(text) == '\\boxed{\\frac{a}{b}}'
    assert last_boxed_only_string('\\boxed 7 and more') == '\\boxed 7'
    assert last_boxed_only_string('unclosed \\boxed{3') is None
    assert last_boxed_only_string('nothing') is None
    assert remove_boxed('\\boxed{x+1}') == 'x+1' and remove_boxed('\\fbox{2}') == '2'
    assert remove_boxed('x+1') is None and remove_boxed(None) is None
    assert normalize_final_answer('The final answer is $18$. I hope it is correct.') == '18'
    assert normalize_final_answer('$\\boxed{\\dfrac12}$') == '\\frac{1}{2}'
    assert normalize_final_answer('10 \\text{ inches}') == '10'
    assert normalize_final_answer('x + y') == 'x+y'


def test_math_intern_postprocess():
    from opencompass.datasets import MATHInternEvaluator, math_intern_postprocess
    assert math_intern_postprocess('Work. The final answer is $\\frac{1}{2}$. I hope so.') == '\\frac{1}{2}'
    assert math_intern_postprocess('The answer is: 42') == '42'
    assert math_intern_postprocess('# Answer\n\n12\n\nThen more text') == '12'
    assert math_intern_postprocess('so \\boxed{7}') == '7'
    assert math_intern_postprocess('no answer') == ''
    assert MATHInternEvaluator().score(['0.5', ''], ['\\frac{1}{2}', ''])['accuracy'] == 50.0


def test_math_verify_evaluator_reads_boxed_references():
    """MATH-500's jsonl gives the whole worked solution as the reference column."""
    from opencompass.evaluator import MATHVerifyEvaluator
    out = MATHVerifyEvaluator().score(['so \\boxed{\\frac12}', 'so \\boxed{3}', 'no box'],
                                      ['It is $\\boxed{\\frac{1}{2}}$.', '$\\boxed{4}$', '5'])
    assert [d['correct'] for d in out['details']] == [True, False, False]


def test_run_math_gen_by_name_writes_a_summary(tmp_path, tiny_model):
    cache = write_math(str(tmp_path / 'cache'))
    models = tmp_path / 'my_configs' / 'models'
    models.mkdir(parents=True)
    (models / 'tiny_chat.py').write_text(
        'from opencompass.models import HuggingFacewithChatTemplate\n'
        f"models = [dict(type=HuggingFacewithChatTemplate, abbr='tiny', path={tiny_model!r},\n"
        '               max_out_len=6, max_seq_len=1024, batch_size=4, torch_threads=1,\n'
        '               run_cfg=dict(num_gpus=0))]\n')
    work = str(tmp_path / 'outputs')
    proc = run_cli('--models', 'tiny_chat', '--datasets', 'math_gen',
                   '--config-dir', str(tmp_path / 'my_configs'), '-w', work, cwd=str(tmp_path),
                   timeout=1800, env={'PYTHONPATH': ROOT, 'COMPASS_DATA_CACHE': cache})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    run = only_run(work)
    preds = read_json(os.path.join(run, 'predictions', 'tiny', 'math.json'))
    assert len(preds) == 3 and 'Problem:' in str(preds['0']['origin_prompt'])
    result = read_json(os.path.join(run, 'results', 'tiny', 'math.json'))
    assert 0.0 <= result['accuracy'] <= 100.0
    with open(glob.glob(os.path.join(run, 'summary', 'summary_*.csv'))[0]) as f:
        rows = {r[0]: r for r in csv.reader(f)}
    assert float(rows['math'][4]) == round(result['accuracy'], 2)
