"""The shipped benchmark configs, imported with ``read_base()`` from a run config, run
through ``run.py`` on the tiny model over format-exact fixture files (invented rows)."""
from __future__ import annotations

import os
import re
import shutil

import pytest
from benchmark_fixtures import write_all
from helpers import ROOT, model_entry, only_run, read_json, run_cli, summary_csv

IMPORTS = '''\
from mmengine.config import read_base
from opencompass.models import HuggingFaceCausalLM
from opencompass.openicl.icl_evaluator import BleuEvaluator, RougeEvaluator
from opencompass.partitioners import NaivePartitioner, SizePartitioner
from opencompass.runners import LocalRunner
from opencompass.tasks import OpenICLInferTask

with read_base():
    from .datasets.mmlu.mmlu_gen import mmlu_datasets
    from .datasets.mmlu.mmlu_ppl import mmlu_datasets as mmlu_ppl_datasets
    from .datasets.gsm8k.gsm8k_gen import gsm8k_datasets
    from .datasets.ARC_e.ARC_e_gen import ARC_e_datasets
    from .datasets.ARC_e.ARC_e_ppl import ARC_e_datasets as ARC_e_ppl_datasets
    from .datasets.ARC_c.ARC_c_ppl import ARC_c_datasets
    from .datasets.hellaswag.hellaswag_gen import hellaswag_datasets
    from .datasets.hellaswag.hellaswag_ppl import hellaswag_datasets as hellaswag_ppl_datasets
    from .datasets.bbh.bbh_gen import bbh_datasets
    from .summarizers.groups.mmlu import mmlu_summary_groups

FIXTURE_MMLU = ['lukaemon_mmlu_abstract_algebra', 'lukaemon_mmlu_astronomy']
'''


def _project(tmp_path) -> str:
    """A user's working directory: configs/ (copied from the repo) and data/ (fixtures)."""
    project = tmp_path / 'project'
    for sub in ('datasets', 'summarizers'):
        shutil.copytree(os.path.join(ROOT, 'configs', sub), project / 'configs' / sub)
    write_all(str(project / 'data'))
    return str(project)


def _write(project: str, body: str) -> str:
    path = os.path.join(project, 'configs', 'eval_fixture.py')
    with open(path, 'w') as f:
        f.write(IMPORTS + body)
    return path


# workers run ``python -m opencompass.tasks``; the package must be importable from the
# user's directory (``make`` installs it with ``pip install -e .``; be explicit here)
ENV = {'PYTHONPATH': ROOT}


def _short(expr: str) -> str:
    """``expr`` (a list of datasets) with generation capped at 8 tokens, to keep tests fast."""
    return (f"[dict(_d, infer_cfg=dict(_d['infer_cfg'], inferencer=dict("
            f"_d['infer_cfg']['inferencer'], max_out_len=8))) for _d in {expr}]")


def greedy(model_dir: str, prompts: list[str], max_new_tokens: int, max_seq_len: int = 256
           ) -> list[str]:
    """Greedy answers of the tiny model computed here with transformers, one prompt at a time
    (no batching, no padding): a code path independent of the run's. A prompt longer than
    ``max_seq_len - max_new_tokens`` keeps its end (the question), as OpenCompass does."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    out = []
    for prompt in prompts:
        ids = torch.tensor([tok(prompt)['input_ids'][-(max_seq_len - max_new_tokens):]])
        with torch.no_grad():
            gen = model.generate(ids, attention_mask=torch.ones_like(ids),
                                 max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id)
        out.append(tok.decode(gen[0, ids.shape[1]:], skip_special_tokens=True))
    return out


def reference_scores(preds: list[str], refs: list[str], metrics: list[str]) -> dict[str, float]:
    """BLEU from sacrebleu and ROUGE from rouge-score, called directly on the same strings."""
    if metrics == ['bleu']:
        import sacrebleu
        return {'bleu': sacrebleu.corpus_bleu(preds, [refs]).score}
    from rouge_score import rouge_scorer
    scorer = rouge_scorer.RougeScorer(metrics)
    scores = [scorer.score(r, p) for p, r in zip(preds, refs)]
    return {m: 100.0 * sum(s[m].fmeasure for s in scores) / len(scores) for m in metrics}


ONE_TASK = ("infer = dict(partitioner=dict(type=SizePartitioner, max_task_size=100000), "
            "runner=dict(type=LocalRunner, max_num_workers=2, task=dict(type=OpenICLInferTask)))\n")


def test_every_benchmark_config_runs_and_explains_each_sample(tmp_path, tiny_model):
    project = _project(tmp_path)
    body = f'''
models = [{model_entry(tiny_model)}]
datasets = {_short("[_d for _d in mmlu_datasets if _d['abbr'] in FIXTURE_MMLU]")} + \\
    [dict(_d, abbr=_d['abbr'] + '_ppl') for _d in mmlu_ppl_datasets if _d['abbr'] in FIXTURE_MMLU] + \\
    {_short('gsm8k_datasets + ARC_e_datasets + hellaswag_datasets')} + \\
    [dict(_d, abbr='ARC-e_ppl') for _d in ARC_e_ppl_datasets] + ARC_c_datasets + \\
    [dict(_d, abbr='hellaswag_ppl') for _d in hellaswag_ppl_datasets] + \\
    {_short("[_d for _d in bbh_datasets if _d['name'] in ('boolean_expressions', 'date_understanding')]")} + \
    [dict(_d, abbr='gsm8k_' + _name, eval_cfg=dict(evaluator=dict(type=_type)))
     for _d in {_short('gsm8k_datasets')}
     for _name, _type in [('bleu', BleuEvaluator), ('rouge', RougeEvaluator)]]
summarizer = dict(summary_groups=mmlu_summary_groups + [
    dict(name='fixture-mmlu', subsets=FIXTURE_MMLU),
    dict(name='fixture-mmlu-weighted', subsets=FIXTURE_MMLU, weights='num_samples'),
    dict(name='fixture-mmlu-3to1', subsets=FIXTURE_MMLU, weights={{FIXTURE_MMLU[0]: 3, FIXTURE_MMLU[1]: 1}}),
    dict(name='fixture-nested', subsets=['fixture-mmlu-weighted', 'gsm8k'], weights='num_samples'),
])
''' + ONE_TASK
    cfg = _write(project, body)
    proc = run_cli(cfg, '-w', 'outputs', cwd=project, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = only_run(os.path.join(project, 'outputs'))
    expected_refs = {
        'lukaemon_mmlu_abstract_algebra': ['B', 'A', 'D', 'A'],
        'lukaemon_mmlu_astronomy': ['A', 'D', 'A', 'C', 'A'],
        'lukaemon_mmlu_abstract_algebra_ppl': ['B', 'A', 'D', 'A'],
        'gsm8k': ['12', '750', '-7', '4.5', '30', '7000'],
        'ARC-e': ['B', 'A', 'C', 'D'], 'ARC-e_ppl': ['B', 'A', 'C', 'D'],
        'ARC-c': ['B', 'A', 'C', 'D'],
        'hellaswag': ['A', 'B', 'C'], 'hellaswag_ppl': ['A', 'B', 'C'],
        'bbh-boolean_expressions': ['False', 'True', 'True'],
        'bbh-date_understanding': ['A', 'B'],  # after dataset_postprocessor
    }
    results = {}
    for abbr, refs in expected_refs.items():
        result = read_json(os.path.join(run, 'results', 'tiny', f'{abbr}.json'))
        details = result['details']
        assert result['num_samples'] == len(refs) == len(details), abbr
        assert [d['answer'] for d in details] == refs, abbr
        for d in details:  # raw prediction, extracted answer, reference, verdict
            assert {'origin_prediction', 'pred', 'answer', 'correct', 'id'} <= set(d), abbr
            # the verdict recomputed from the extracted answer and the reference
            assert d['correct'] == (str(d['pred']).strip() == str(d['answer']).strip()), (abbr, d)
        metric = 'score' if abbr.startswith('bbh') else 'accuracy'
        expected = 100.0 * sum(str(d['pred']).strip() == d['answer'] for d in details) / len(refs)
        assert result[metric] == expected, abbr
        results[abbr] = result
    # the predictions are the tiny model's own greedy answers to the recorded prompts
    for abbr in ('gsm8k', 'lukaemon_mmlu_astronomy', 'bbh-date_understanding'):
        preds = read_json(os.path.join(run, 'predictions', 'tiny', f'{abbr}.json'))
        prompts = [preds[k]['origin_prompt'] for k in sorted(preds, key=int)]
        assert [preds[k]['prediction'] for k in sorted(preds, key=int)] == \
            greedy(tiny_model, prompts, 8), abbr
    for abbr, metrics in (('gsm8k_bleu', ['bleu']), ('gsm8k_rouge', ['rouge1', 'rouge2', 'rougeL'])):
        result = read_json(os.path.join(run, 'results', 'tiny', f'{abbr}.json'))
        assert len(result['details']) == 6
        for d in result['details']:
            assert {'origin_prediction', 'pred', 'answer', 'correct', *metrics} <= set(d), abbr
            assert '#### ' in d['answer']  # no dataset_postprocessor: the raw solution
        preds = [d['pred'] for d in result['details']]
        refs = [d['answer'] for d in result['details']]
        assert {m: result[m] for m in metrics} == pytest.approx(reference_scores(preds, refs,
                                                                                 metrics))
    for d in results['bbh-date_understanding']['details']:  # "answer is (X)" -> X, else as is
        m = re.search(r'\(([A-F])\)', d['origin_prediction'])
        assert d['pred'] == (m.group(1) if m else d['origin_prediction'].strip()), d

    preds = read_json(os.path.join(run, 'predictions', 'tiny', 'lukaemon_mmlu_astronomy.json'))
    prompt = preds['0']['origin_prompt']
    assert prompt.startswith('The following are multiple choice questions (with answers) '
                             'about astronomy.\n\nWhich of these numbers is even?\n')
    assert prompt.count('\nAnswer: ') == 5 and prompt.endswith('\nAnswer:')  # 5-shot from dev
    gsm = read_json(os.path.join(run, 'predictions', 'tiny', 'gsm8k.json'))['0']['origin_prompt']
    assert gsm.count('#### ') == 4 and gsm.endswith('Answer:')
    bbh = read_json(os.path.join(run, 'predictions', 'tiny', 'bbh-boolean_expressions.json'))
    assert 'Q: True and True is' in bbh['0']['origin_prompt']

    rows = {r[0]: r for r in summary_csv(run)[1:]}
    a = results['lukaemon_mmlu_abstract_algebra']['accuracy']
    b = results['lukaemon_mmlu_astronomy']['accuracy']
    assert rows['fixture-mmlu'][2:] == ['naive_average', '-', f'{(a + b) / 2:.2f}']
    assert rows['fixture-mmlu-weighted'][2:] == ['weighted_average', '-',
                                                 f'{(4 * a + 5 * b) / 9:.2f}']
    assert rows['fixture-mmlu-3to1'][4] == f'{(3 * a + b) / 4:.2f}'
    gsm_acc = results['gsm8k']['accuracy']
    assert rows['fixture-nested'][4] == f'{((4 * a + 5 * b) / 9 * 9 + gsm_acc * 6) / 15:.2f}'
    assert rows['mmlu'][4] == '-'  # 55 of 57 subjects have no score: no average


def test_split_scoring_equals_unsplit(tmp_path, tiny_model):
    """Scored in parts (SizePartitioner) or whole, metrics and details are identical."""
    project = _project(tmp_path)
    datasets = f"datasets = {_short('gsm8k_datasets')} + ARC_c_datasets\n"
    model = f'models = [{model_entry(tiny_model, batch_size=1)}]\n'
    runner = "runner=dict(type=LocalRunner, max_num_workers=2, task=dict(type=OpenICLInferTask))"
    whole = _write(project, model + datasets +
                   f'infer = dict(partitioner=dict(type=NaivePartitioner), {runner})\n')
    assert run_cli(whole, '-w', 'whole', cwd=project, env=ENV).returncode == 0
    split = _write(project, model + datasets +
                   'infer = dict(partitioner=dict(type=SizePartitioner, max_task_size=8, '
                   f'gen_task_coef=2), {runner})\n')
    proc = run_cli(split, '-w', 'split', cwd=project, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    whole_run = only_run(os.path.join(project, 'whole'))
    split_run = only_run(os.path.join(project, 'split'))
    parts = sorted(os.listdir(os.path.join(split_run, 'predictions', 'tiny')))
    assert 'gsm8k_1.json' in parts and 'ARC-c_1.json' in parts and 'gsm8k.json' not in parts
    for abbr in ('gsm8k', 'ARC-c'):
        a = read_json(os.path.join(whole_run, 'results', 'tiny', f'{abbr}.json'))
        b = read_json(os.path.join(split_run, 'results', 'tiny', f'{abbr}.json'))
        assert a == b, abbr
    assert summary_csv(whole_run)[1:] == summary_csv(split_run)[1:]


def test_missing_data_root_is_one_clear_error(tmp_path):
    project = tmp_path / 'empty'
    for sub in ('datasets', 'summarizers'):
        shutil.copytree(os.path.join(ROOT, 'configs', sub), project / 'configs' / sub)
    cfg = _write(str(project), "models = [dict(type=HuggingFaceCausalLM, abbr='m', path='m')]\n"
                               'datasets = gsm8k_datasets\n')
    proc = run_cli(cfg, '-w', 'outputs', cwd=str(project), env=ENV)
    assert proc.returncode != 0
    assert "./data/gsm8k/train.jsonl" in proc.stderr
    assert 'github.com/openai/grade-school-math' in proc.stderr
    assert 'Traceback' not in proc.stderr
