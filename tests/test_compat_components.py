"""OpenCompass public names added for compatibility (issue 11), each with its documented
behaviour. Shown failing first: before this change every import below raised ImportError
(``NumWorkerPartitioner``, ``PromptList``, ``LMTemplateParser``, ``MATHEvaluator``, ...)
and an unknown OpenCompass name got a "did you mean" guess.
"""
from __future__ import annotations

import os
import re
import warnings

import pytest
from helpers import dataset_entries, model_entry, only_run, read_json, run_cli, write_config

from opencompass.errors import ConfigError


# -- text post-processors ---------------------------------------------------------------------
def test_postprocessors_with_opencompass_names():
    from opencompass.utils import text_postprocessors as tp
    assert tp.last_capital_postprocess('abCDef') == 'D' and tp.last_capital_postprocess('ab') == ''
    assert tp.last_option_postprocess('A then C then B', 'ABC') == 'B'
    assert tp.last_option_postprocess('none here', 'ABC') == ''
    assert tp.first_capital_postprocess_multi('answer: ACD.') == 'ACD'
    assert tp.multiple_select_postprocess('bA D C') == 'ACD'
    assert tp.xml_tag_postprocessor('<c>one</c> x <c> two </c>', '<c>') == 'two'
    assert tp.xml_tag_postprocessor('nothing', '<c>') == 'NO ANSWER FOUND'
    assert tp.match_answer_pattern('ANSWER: C', r'(?i)ANSWER\s*:\s*([A-D])') == 'C'
    assert tp.match_answer_pattern('no answer', r'(?i)ANSWER\s*:\s*([A-D])') == ''
    assert tp.extract_non_reasoning_content('hmm</think> 42') == '42'
    assert tp.extract_non_reasoning_content('A<think>x\ny</think> B<think>z</think>') == 'A B'
    assert tp.think_pred_postprocess('answer: B', r'answer:\s*([A-D])') == 'B'
    assert tp.think_pred_postprocess('none', r'answer:\s*([A-D])') == 'none'
    assert tp.general_eval_wrapper_postprocess("'The fox.'", postprocess='general') == 'fox'
    # a literal is read, never executed
    assert tp.general_eval_wrapper_postprocess("__import__('os').getcwd()") == \
        "__import__('os').getcwd()"


def test_registry_aliases_and_names_resolve():
    from opencompass.registry import TEXT_POSTPROCESSORS
    for name in ('general', 'first-capital', 'last-capital', 'multiple-select', 'specific-xml-tag',
                 'extract-non-reasoning-content', 'match_answer_pattern', 'gsm8k_dataset'):
        assert callable(TEXT_POSTPROCESSORS.get(name)), name


def test_general_cn_without_jieba_is_one_line(monkeypatch):
    import builtins

    from opencompass.utils.text_postprocessors import general_cn_postprocess
    real_import = builtins.__import__

    def no_jieba(name, *args, **kwargs):
        if name == 'jieba':
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_jieba)
    with pytest.raises(ConfigError, match='pip install jieba'):
        general_cn_postprocess('今天')


def test_humaneval_postprocess_v2_and_v3():
    from opencompass.datasets import humaneval_postprocess_v2, humaneval_postprocess_v3
    two = "```python\n    return 'first'\n```\ntext\n```python\n    return 'second'\n```"
    assert humaneval_postprocess_v3(two) == "return 'second'\n"
    assert humaneval_postprocess_v2('    return x\n') == 'return x\n'
    assert humaneval_postprocess_v2('Here:\n```\n    return x\n```\nDone.') == 'return x\n'
    from opencompass.datasets import humaneval_internal_v2_postprocess
    assert humaneval_internal_v2_postprocess('   return a\n\n\ndef f():\n    pass') == '    return a'
    assert humaneval_internal_v2_postprocess('    y = 1\n    return y\nprint(y)') == \
        '    y = 1\n    return y'


# -- PromptList and template parsers -------------------------------------------------------------
def test_prompt_list_methods():
    from opencompass.utils.prompt import PromptList
    pl = PromptList(['hi {a}{b}', {'role': 'HUMAN', 'prompt': 'hey {a}!'}])
    assert pl.format(a=1) == ['hi 1{b}', {'role': 'HUMAN', 'prompt': 'hey 1!'}]
    assert pl == ['hi {a}{b}', {'role': 'HUMAN', 'prompt': 'hey {a}!'}]  # unchanged
    assert PromptList(['x12y']).replace('12', PromptList(['<', {'role': 'BOT'}])) == \
        ['x', '<', {'role': 'BOT'}, 'y']
    with pytest.raises(TypeError):
        pl.replace('hey', PromptList(['a']))
    assert isinstance(pl + 'z', PromptList) and (pl + 'z')[-1] == 'z'
    assert ('a' + PromptList(['b'])) == ['a', 'b']
    acc = PromptList(['a'])
    acc += PromptList(['b'])
    acc += 'c'
    assert acc == ['a', 'b', 'c']
    assert str(PromptList(['a', {'prompt': 'b'}, {'role': 'BOT'}])) == 'ab'
    with pytest.raises(TypeError):
        str(PromptList(['a', 3]))


def _sections():
    from opencompass.utils.prompt import PromptList
    return PromptList([
        {'section': 'begin', 'pos': 'begin'}, 'Intro. ',
        {'role': 'SYSTEM', 'fallback_role': 'HUMAN', 'prompt': 'sys'},
        {'section': 'ice', 'pos': 'begin'},
        {'role': 'HUMAN', 'prompt': 'q0'}, {'role': 'BOT', 'prompt': 'a0'},
        {'section': 'ice', 'pos': 'end'},
        {'section': 'begin', 'pos': 'end'},
        {'section': 'round', 'pos': 'begin'},
        {'role': 'HUMAN', 'prompt': 'q1'}, {'role': 'BOT', 'prompt': 'a1'},
        {'section': 'round', 'pos': 'end'},
    ])


def test_lm_template_parser_renders_meta_template():
    from opencompass.models.base import LMTemplateParser
    meta = dict(begin='<s>', round=[dict(role='HUMAN', begin='U:', end='\n'),
                                    dict(role='BOT', begin='A:', end='\n', generate=True)],
                end='</s>')
    parser = LMTemplateParser(meta)
    # gen: stops where the model writes, so no meta ``end``
    assert parser.parse_template(_sections(), 'gen') == '<s>Intro. U:sys\nU:q0\nA:a0\nU:q1\nA:'
    assert parser.parse_template(_sections(), 'ppl') == '<s>Intro. U:sys\nU:q0\nA:a0\nU:q1\nA:a1\n</s>'
    assert LMTemplateParser().parse_template(_sections(), 'gen') == 'Intro. \nsys\nq0\na0\nq1\na1'
    assert parser.parse_template('plain', 'gen') == 'plain'
    assert parser.parse_template(['a', 'b'], 'ppl') == ['a', 'b']


def test_api_template_parser_merges_roles_and_drops_strings():
    from opencompass.models.base_api import APITemplateParser
    parser = APITemplateParser(dict(round=[dict(role='HUMAN', api_role='HUMAN'),
                                           dict(role='BOT', api_role='BOT', generate=True)]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        out = parser.parse_template(_sections(), 'gen')
    assert caught, 'the dropped plain string is warned about'
    assert out == [{'role': 'HUMAN', 'prompt': 'sys\nq0'}, {'role': 'BOT', 'prompt': 'a0'},
                   {'role': 'HUMAN', 'prompt': 'q1'}]


def test_model_has_template_parser_and_tokenizer_only():
    from opencompass.models.base import BaseModel, LMTemplateParser

    class Echo(BaseModel):
        def generate(self, inputs, max_out_len, stop_words=None):
            return list(inputs)

    model = Echo(path='x', meta_template=None, tokenizer_only=True)
    assert isinstance(model.template_parser, LMTemplateParser) and model.tokenizer_only


# -- evaluators ----------------------------------------------------------------------------------
def test_math_evaluator_and_postprocess():
    from opencompass.datasets import MATHEvaluator, math_postprocess_v2
    assert math_postprocess_v2(r'So $x = \boxed{\frac{3}{4}}$.') == r'\frac{3}{4}'
    assert math_postprocess_v2('The final answer is $1,234$.') == '1234'  # as OpenCompass: no commas
    assert math_postprocess_v2('first 5, then 18') == '18'
    ev = MATHEvaluator(version='v2')
    result = ev.score([r'\dfrac34', '0.75', '75\\%', '1,234', 'x=3', '2', ''],
                      ['3/4', r'\frac{3}{4}', '0.75', '1234', '3', '3', '0'])
    assert [d['correct'] for d in result['details']] == [True, True, True, True, True, False, False]
    with pytest.raises(ConfigError):
        MATHEvaluator(version='v3')


def test_acc_with_details_keeps_prompts():
    from opencompass.openicl.icl_evaluator import AccwithDetailsEvaluator
    out = AccwithDetailsEvaluator().score(['A', 'B'], ['A', 'C'], origin_prompt=['p0', 'p1'])
    assert out['accuracy'] == 50.0
    assert [(d['prompt'], d['correct']) for d in out['details']] == [('p0', True), ('p1', False)]


# -- registry messages ---------------------------------------------------------------------------
def test_unsupported_opencompass_name_is_one_line_without_guess():
    from opencompass.registry import ICL_EVALUATORS, MODELS, PARTITIONERS
    with pytest.raises(ConfigError) as e:
        MODELS.get('TurboMindAPIModel', where='models[0].type')
    assert str(e.value) == ('models[0].type: TurboMindAPIModel is an OpenCompass '
                            'component not supported by opencompass-lite')
    with pytest.raises(ConfigError, match="did you mean 'SizePartitioner'"):
        PARTITIONERS.get('SizePartitoner')
    assert PARTITIONERS.get('NumWorkerPartitioner').__name__ == 'NumWorkerPartitioner'
    with pytest.raises(ConfigError, match=r"'GSM8KDataset' is a dataset, not an evaluator"):
        ICL_EVALUATORS.get('GSM8KDataset')
    assert ICL_EVALUATORS.get('MATHEvaluator').__name__ == 'MATHEvaluator'  # in opencompass.datasets
    from opencompass.utils.opencompass_names import not_supported_message
    assert not_supported_message('opencompass.evaluator') == \
        'opencompass.evaluator is an OpenCompass module not supported by opencompass-lite'
    assert not_supported_message('opencompass.models.VLLM').startswith('VLLM is an OpenCompass component')


# -- NumWorkerPartitioner ------------------------------------------------------------------------
def _datasets(data_dir):
    return [dict(abbr=name, type='CustomDataset', path=os.path.join(data_dir, f'{name}.jsonl'),
                 reader_cfg=dict(input_columns=['question'], output_column='answer'),
                 infer_cfg=dict(inferencer=dict(type='GenInferencer')))
            for name in ('arith', 'mc')]


def test_num_worker_partitioner_splits_and_deals_round_robin(data_dir):
    from opencompass.partitioners import NumWorkerPartitioner
    model = {'abbr': 'm'}
    part = NumWorkerPartitioner(num_worker=2, min_task_size=4)
    tasks = part.partition([model], _datasets(data_dir), '/w', 'infer')
    abbrs = [[d['abbr'] for d in t['datasets'][0]] for t in tasks]
    # arith: 12 rows -> parts of max(ceil(12/2), 4) = 6; mc: 10 rows -> parts of 5
    assert abbrs == [['arith_0', 'mc_0'], ['arith_1', 'mc_1']]
    assert [d['part'] for d in tasks[0]['datasets'][0]] == [[0, 6], [0, 5]]
    split = NumWorkerPartitioner(num_worker=8, num_split=3, min_task_size=5, strategy='split')
    tasks = split.partition([model], _datasets(data_dir), '/w', 'infer')
    assert [t['datasets'][0][0]['abbr'] for t in tasks] == ['arith_0', 'arith_1', 'arith_2',
                                                             'mc_0', 'mc_1']
    small = NumWorkerPartitioner(num_worker=4, min_task_size=16)
    assert [[d['abbr'] for d in t['datasets'][0]]
            for t in small.partition([model], _datasets(data_dir), '/w', 'infer')] == \
        [['arith'], ['mc']]
    with pytest.raises(ConfigError):
        NumWorkerPartitioner(num_worker=0)


def test_num_worker_run_merges_parts_and_keeps_prompts(tmp_path, tiny_model, data_dir):
    """A real run: parts inferred in separate tasks, scored once, with the prompt details of
    AccwithDetailsEvaluator and the equivalence of MATHEvaluator."""
    datasets = dataset_entries(data_dir).replace('evaluator=dict(type=EMEvaluator)',
                                                 "evaluator=dict(type='MATHEvaluator')")
    raw = ("dict(type='RawPromptTemplate', messages=[dict(role='system', content='Add.'), "
           "dict(role='user', content='{question}'), dict(role='assistant', content='{answer}')])")
    datasets, n = re.subn(r"dict\(type=PromptTemplate,\s*template='Q: \{question\}[^']*'\)", raw,
                          datasets)
    assert n == 1
    datasets = datasets.replace('eval_cfg=dict(evaluator=dict(type=AccEvaluator))',
                                "eval_cfg=dict(evaluator=dict(type='AccwithDetailsEvaluator'))")
    infer = ("dict(partitioner=dict(type='NumWorkerPartitioner', num_worker=2, min_task_size=4),"
             " runner=dict(type=LocalRunner, max_num_workers=2, task=dict(type=OpenICLInferTask)))")
    cfg = write_config(str(tmp_path / 'cfg.py'), [model_entry(tiny_model)], datasets, infer=infer)
    work = str(tmp_path / 'out')
    proc = run_cli(cfg, '-w', work)
    assert proc.returncode == 0, proc.stderr[-2000:]
    run = only_run(work)
    preds = sorted(f for f in os.listdir(os.path.join(run, 'predictions/tiny')) if f.endswith('.json'))
    assert preds == ['arith_0.json', 'arith_1.json', 'mc_0.json', 'mc_1.json']
    arith = read_json(os.path.join(run, 'results/tiny/arith.json'))
    first = read_json(os.path.join(run, 'predictions/tiny/arith_0.json'))['0']
    assert 'Add.' in str(first['origin_prompt']) and 'What is' in str(first['origin_prompt'])
    assert arith['num_samples'] == 12 and 'accuracy' in arith
    mc = read_json(os.path.join(run, 'results/tiny/mc.json'))
    assert mc['num_samples'] == 10
    assert all(isinstance(d.get('prompt'), (str, list, dict)) and d['prompt']
               for d in mc['details']), mc['details'][0]


def test_raw_prompt_template_messages():
    from opencompass.openicl import RawPromptTemplate
    t = RawPromptTemplate([{'role': 'system', 'content': 'Be brief.'}, '</E>',
                           {'expand_column': 'history'},
                           {'role': 'user', 'content': '{q}'}, {'role': 'assistant', 'content': '{a}'}])
    row = {'q': 'Capital of France?', 'a': 'Paris', 'history': [{'role': 'user', 'content': 'hi'}]}
    assert t.generate_item(row, 'a', gen=True, ice='Q: x\nA: y') == [
        {'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Q: x\nA: y'},
        {'role': 'user', 'content': 'hi'}, {'role': 'user', 'content': 'Capital of France?'},
        {'role': 'assistant', 'content': ''}]  # the answer never reaches the model
    assert t.generate_item(row)[-1] == {'role': 'assistant', 'content': 'Paris'}
    with pytest.raises(ValueError, match='invalid role'):
        RawPromptTemplate([{'role': 'robot', 'content': 'x'}])
    from opencompass.models.template import render_base, to_messages
    msgs = t.generate_item(row, 'a', gen=True)
    assert to_messages(msgs)[-1] == {'role': 'assistant', 'content': ''}
    meta = dict(round=[dict(role='HUMAN', begin='U: ', end='\n'),
                       dict(role='BOT', begin='A: ', generate=True)])
    assert render_base(msgs, meta, gen=True).endswith('U: Capital of France?\nA: ')


def test_opencompass_partition_convention(tmp_path):
    from opencompass.partitioners import NaivePartitioner
    part = NaivePartitioner(out_dir=str(tmp_path), n=2)
    assert part.out_dir == str(tmp_path) and part.keep_keys == []
    (tmp_path / 'm').mkdir()
    (tmp_path / 'm' / 'd1.json').write_text('{}')  # already predicted: skipped
    combos = [{'models': [{'abbr': 'm'}], 'datasets': [{'abbr': 'd1'}, {'abbr': 'd2'}, {'abbr': 'd3'}]}]
    tasks = part.partition(model_dataset_combinations=combos, work_dir='/w', out_dir=str(tmp_path),
                           add_cfg={'extra': 1})
    assert [[d['abbr'] for d in t['datasets'][0]] for t in tasks] == [['d2', 'd3']]
    assert tasks[0]['extra'] == 1 and tasks[0]['work_dir'] == '/w'
    assert part.parse_model_dataset_args({'models': [], 'datasets': [],
                                          'model_dataset_combinations': combos}) == \
        {'model_dataset_combinations': combos}
    assert part.parse_model_dataset_args({'models': [1], 'datasets': [2]}) == \
        {'models': [1], 'datasets': [2]}


def test_small_opencompass_attributes(caplog):
    from opencompass.openicl.icl_inferencer import BaseInferencer
    from opencompass.summarizers import DefaultSummarizer
    assert BaseInferencer.get_dataloader([1, 2, 3], batch_size=None) == [[1, 2, 3]]
    assert BaseInferencer.get_dataloader([1, 2, 3], batch_size=2) == [[1, 2], [3]]
    summarizer = DefaultSummarizer(config={'models': [], 'datasets': []}, prompt_db='x')
    assert summarizer.logger.name == 'opencompass'


def test_bbh_freeform_normalises_verdicts_and_word_lists():
    from opencompass.datasets import BBHEvaluator, bbh_freeform_postprocess
    assert bbh_freeform_postprocess('So the answer is no, because he lies.') == 'No'
    assert bbh_freeform_postprocess('apple, banana, cherry') == 'apple banana cherry'
    assert bbh_freeform_postprocess('So the answer is 1,000.') == '1,000'
    assert BBHEvaluator().score(['apple, cherry, banana'], ['apple banana cherry'])['score'] == 0.0


def test_ppl_references_that_are_no_template_label_are_reported(caplog):
    """HellaswagDataset gives 0-3 (as OpenCompass); a template keyed A-D over it would score
    every sample wrong in silence. Shown failing first: no warning was logged."""
    from opencompass.openicl.icl_inferencer.icl_base_inferencer import Sample
    from opencompass.openicl.icl_inferencer.icl_ppl_inferencer import warn_if_references_are_not_labels
    samples = [Sample(id=str(i), entry={}, ice='', gold=i % 4) for i in range(5)]
    warn_if_references_are_not_labels(samples, ['A', 'B', 'C', 'D'])
    assert 'none of the 5 references' in caplog.text
    caplog.clear()
    warn_if_references_are_not_labels(samples, [0, 1, 2, 3])
    assert caplog.text == ''


def test_huggingface_base_model_loads_and_writes_plain_prompts(tiny_model):
    from opencompass.models import HuggingFaceBaseModel, HuggingFaceCausalLM
    model = HuggingFaceBaseModel(path=tiny_model, max_seq_len=None, drop_middle=False,
                                 max_out_len=4, batch_size=2, torch_threads=1,
                                 meta_template=dict(round=[dict(role='HUMAN', begin='<U>')]))
    assert isinstance(model, HuggingFaceCausalLM) and model.max_seq_len == 2048
    prompt = [{'role': 'HUMAN', 'prompt': 'Q: 1+1?'}, {'role': 'BOT', 'prompt': 'A:'}]
    assert model.render_prompt(prompt) == 'Q: 1+1?\nA:'  # no meta template, plain lines
    out = model.generate_from_template([prompt, 'Hello'], max_out_len=3)
    assert len(out) == 2 and all(isinstance(t, str) for t in out)


def test_is_api_flag_marks_api_models():
    """OpenCompass's public ``is_api`` flag (code written for OpenCompass reads it); shown
    failing first: the attribute had been removed as unused."""
    from opencompass.models import HuggingFaceCausalLM, OpenAISDK
    from opencompass.models.base import BaseModel
    assert BaseModel.is_api is False and HuggingFaceCausalLM.is_api is False
    assert OpenAISDK.is_api is True
