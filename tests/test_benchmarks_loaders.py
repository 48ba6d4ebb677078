"""Benchmark loaders on format-exact fixture files (invented rows): rows, splits, errors."""
from __future__ import annotations

import json
import os

import pytest
from benchmark_fixtures import (
    BBH_TASKS,
    write_arc,
    write_bbh,
    write_gsm8k,
    write_hellaswag,
    write_mmlu,
)

from opencompass.datasets import (
    ARCDataset,
    BBHDataset,
    GSM8KDataset,
    HellaswagDataset,
    MMLUDataset,
    hellaswagDataset,
)
from opencompass.errors import ConfigError, DatasetError
from opencompass.validation import validate

MMLU_READER = dict(input_columns=['input', 'A', 'B', 'C', 'D'], output_column='target',
                   train_split='dev')


def test_mmlu_reads_headerless_csv_with_quoted_fields(tmp_path):
    base = write_mmlu(str(tmp_path))
    ds = MMLUDataset(reader_cfg=MMLU_READER, path=base, name='abstract_algebra')
    assert set(ds.splits) == {'dev', 'val', 'test'}
    assert len(ds.train) == 5 and len(ds.test) == 4  # astronomy has 5
    assert ds.train[0] == {'input': 'Which of these numbers is even?', 'A': '3', 'B': '8',
                           'C': '5', 'D': '7', 'target': 'B'}
    assert ds.train[3]['A'] == '1,000'
    assert ds.train[2]['input'] == 'How many legs does a "typical" spider have?'
    assert ds.train[4]['input'] == 'Which word is a verb?\n(Choose one.)'
    assert MMLUDataset.required_files(path=base, name='astronomy') == [
        os.path.join(base, 'dev', 'astronomy_dev.csv'), os.path.join(base, 'test', 'astronomy_test.csv')]


def test_mmlu_missing_subject_says_where_and_how(tmp_path):
    base = write_mmlu(str(tmp_path))
    with pytest.raises(DatasetError) as e:
        MMLUDataset(reader_cfg=MMLU_READER, path=base, name='virology')
    msg = str(e.value)
    assert os.path.join(base, 'dev', 'virology_dev.csv') in msg
    assert 'hendrycks/data.tar' in msg and '\n' not in msg


def test_mmlu_rejects_a_header_row_and_wrong_width(tmp_path):
    base = write_mmlu(str(tmp_path))
    path = os.path.join(base, 'test', 'astronomy_test.csv')
    with open(path, 'w') as f:
        f.write('question,A,B,C,D,answer\n')
    with pytest.raises(DatasetError, match=r'astronomy_test.csv:1: the answer must be A, B, C or D'):
        MMLUDataset(reader_cfg=MMLU_READER, path=base, name='astronomy')
    with open(path, 'w') as f:
        f.write('q,1,2,3,A\n')
    with pytest.raises(DatasetError, match='expected 6 fields'):
        MMLUDataset(reader_cfg=MMLU_READER, path=base, name='astronomy')


def test_gsm8k_splits_and_answer_format(tmp_path):
    base = write_gsm8k(str(tmp_path))
    ds = GSM8KDataset(reader_cfg=dict(input_columns=['question'], output_column='answer'),
                      path=base)
    assert len(ds.train) == 4 and len(ds.test) == 6
    assert ds.test[1]['answer'].endswith('#### 750')
    with open(os.path.join(base, 'test.jsonl'), 'a') as f:
        f.write(json.dumps({'question': 'q', 'answer': 'no marker'}) + '\n')
    with pytest.raises(DatasetError, match=r"test.jsonl:7: the answer does not end with '####"):
        GSM8KDataset(path=base)
    os.remove(os.path.join(base, 'train.jsonl'))
    with pytest.raises(DatasetError, match='grade-school-math'):
        GSM8KDataset(path=base)


def test_arc_maps_numeric_labels_and_skips_non_four_choice(tmp_path):
    path = write_arc(str(tmp_path))['c-Test']
    ds = ARCDataset(reader_cfg=dict(input_columns=['question'], output_column='answerKey'),
                    path=path)
    assert [r['answerKey'] for r in ds.test] == ['B', 'A', 'C', 'D']  # '3' -> C, 3-choice skipped
    assert ds.test[0] == {'question': 'Which object is a source of light?', 'textA': 'a rock',
                          'textB': 'a lamp', 'textC': 'a cup', 'textD': 'a sock',
                          'answerKey': 'B'}
    with pytest.raises(DatasetError, match=r"ARC: expected the file .*ARC-Easy-Test.jsonl.*allenai"):
        ARCDataset(path=str(tmp_path / 'ARC' / 'ARC-e' / 'nope' / 'ARC-Easy-Test.jsonl'))


def test_hellaswag_preprocessing_and_label_formats(tmp_path):
    path = write_hellaswag(str(tmp_path))
    rows = HellaswagDataset(path=path).test
    assert rows[0]['ctx'] == 'A man puts a tray in the oven. He'
    assert rows[0]['D'] == 'paints the oven. blue.'  # ' [title]' -> '. '
    assert rows[2]['ctx'] == 'How to water a plant'  # '[header]' removed, empty ctx_b
    assert [r['label'] for r in rows] == ['A', 'B', 'C']
    assert [r['label'] for r in hellaswagDataset(path=path).test] == [0, 1, 2]
    with open(path, 'a') as f:
        f.write(json.dumps({'ctx': 'x', 'endings': ['a', 'b', 'c', 'd'], 'label': ''}) + '\n')
    with pytest.raises(DatasetError, match=r'hellaswag_val.jsonl:4: label must be 0-3'):
        HellaswagDataset(path=path)


def test_bbh_rows_and_prompt_without_canary(tmp_path):
    base = write_bbh(str(tmp_path))
    ds = BBHDataset(path=os.path.join(base, 'data'), name='date_understanding',
                    prompt_path=os.path.join(base, 'lib_prompt'))
    assert [r['target'] for r in ds.test] == [t for _, t in BBH_TASKS['date_understanding']]
    assert ds.test[0]['few_shot'].startswith('Answer the question.\n\nQ: True and True is')
    assert 'canary' not in ds.test[0]['few_shot']
    # without prompt_path, lib_prompt/ next to data/ is used (OpenCompass's BBH layout) ...
    sibling = BBHDataset(path=os.path.join(base, 'data'), name='date_understanding')
    assert sibling.test[0]['few_shot'] == ds.test[0]['few_shot']
    # ... and with no lib_prompt/ there, the rows have no few_shot column
    os.rename(os.path.join(base, 'lib_prompt'), os.path.join(base, 'prompts'))
    no_prompt = BBHDataset(path=os.path.join(base, 'data'), name='boolean_expressions')
    assert set(no_prompt.test[0]) == {'input', 'target'}
    os.rename(os.path.join(base, 'prompts'), os.path.join(base, 'lib_prompt'))
    with pytest.raises(DatasetError, match=r"lib_prompt/navigate.txt'.*BIG-Bench-Hard"):
        os.makedirs(os.path.join(base, 'd2'))
        with open(os.path.join(base, 'd2', 'navigate.json'), 'w') as f:
            json.dump({'examples': [{'input': 'i', 'target': 'Yes'}]}, f)
        BBHDataset(path=os.path.join(base, 'd2'), name='navigate',
                   prompt_path=os.path.join(base, 'lib_prompt'))


def test_validation_reports_every_missing_benchmark_file_with_a_hint(tmp_path):
    def entry(abbr, typ, **kw):
        return dict(abbr=abbr, type=typ, reader_cfg=dict(input_columns=['x']),
                    infer_cfg=dict(prompt_template=dict(type='PromptTemplate', template='{x}')),
                    **kw)
    root = str(tmp_path / 'data')
    cfg = dict(models=[dict(type='HuggingFaceCausalLM', path='m', abbr='m')],
               datasets=[entry('mmlu_a', 'MMLUDataset', path=f'{root}/mmlu', name='anatomy'),
                         entry('gsm8k', 'GSM8KDataset', path=f'{root}/gsm8k'),
                         entry('bbh', 'BBHDataset', path=f'{root}/BBH/data', name='navigate',
                               prompt_path=f'{root}/BBH/lib_prompt')],
               infer=dict(partitioner=dict(type='NaivePartitioner'),
                          runner=dict(type='LocalRunner')),
               eval=dict(partitioner=dict(type='NaivePartitioner'),
                         runner=dict(type='LocalRunner')))
    with pytest.raises(ConfigError) as e:
        validate(cfg)
    problems = e.value.problems
    assert any(f'{root}/mmlu/test/anatomy_test.csv' in p and 'data.tar' in p for p in problems)
    assert any(f'{root}/gsm8k/train.jsonl' in p and 'grade-school-math' in p for p in problems)
    assert any(f'{root}/BBH/lib_prompt/navigate.txt' in p for p in problems)
