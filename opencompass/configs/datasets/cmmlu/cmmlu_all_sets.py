"""The 67 CMMLU subjects: the one list the CMMLU dataset and summary-group configs read
(``from .cmmlu_all_sets import cmmlu_subject_mapping, cmmlu_all_sets`` inside
``read_base()``).

``cmmlu_subject_mapping[subject]`` is the Chinese name the prompts use (the variable of this
name in OpenCompass's CMMLU configs); ``cmmlu_categories`` maps each category of the CMMLU
authors (STEM, Humanities, Social Science, Other: each subject in one; China specific: 15
subjects that are also in one of the others) to its subjects."""

# subject, Chinese name, category, China specific
_subjects = [
    ('agronomy', '农学', 'Other', False),
    ('anatomy', '解剖学', 'STEM', False),
    ('ancient_chinese', '古汉语', 'Social Science', True),
    ('arts', '艺术学', 'Humanities', False),
    ('astronomy', '天文学', 'STEM', False),
    ('business_ethics', '商业伦理', 'Social Science', False),
    ('chinese_civil_service_exam', '中国公务员考试', 'Social Science', True),
    ('chinese_driving_rule', '中国驾驶规则', 'Other', True),
    ('chinese_food_culture', '中国饮食文化', 'Social Science', True),
    ('chinese_foreign_policy', '中国外交政策', 'Social Science', True),
    ('chinese_history', '中国历史', 'Humanities', True),
    ('chinese_literature', '中国文学', 'Humanities', True),
    ('chinese_teacher_qualification', '中国教师资格', 'Social Science', True),
    ('clinical_knowledge', '临床知识', 'Other', False),
    ('college_actuarial_science', '大学精算学', 'STEM', False),
    ('college_education', '大学教育学', 'Social Science', False),
    ('college_engineering_hydrology', '大学工程水文学', 'STEM', False),
    ('college_law', '大学法律', 'Humanities', False),
    ('college_mathematics', '大学数学', 'STEM', False),
    ('college_medical_statistics', '大学医学统计', 'STEM', False),
    ('college_medicine', '大学医学', 'Other', False),
    ('computer_science', '计算机科学', 'STEM', False),
    ('computer_security', '计算机安全', 'Other', False),
    ('conceptual_physics', '概念物理学', 'STEM', False),
    ('construction_project_management', '建设工程管理', 'Other', True),
    ('economics', '经济学', 'Social Science', False),
    ('education', '教育学', 'Social Science', False),
    ('electrical_engineering', '电气工程', 'STEM', False),
    ('elementary_chinese', '小学语文', 'Social Science', True),
    ('elementary_commonsense', '小学常识', 'Other', True),
    ('elementary_information_and_technology', '小学信息技术', 'Other', False),
    ('elementary_mathematics', '初等数学', 'STEM', False),
    ('ethnology', '民族学', 'Social Science', True),
    ('food_science', '食品科学', 'Other', False),
    ('genetics', '遗传学', 'STEM', False),
    ('global_facts', '全球事实', 'Humanities', False),
    ('high_school_biology', '高中生物', 'STEM', False),
    ('high_school_chemistry', '高中化学', 'STEM', False),
    ('high_school_geography', '高中地理', 'Social Science', False),
    ('high_school_mathematics', '高中数学', 'STEM', False),
    ('high_school_physics', '高中物理学', 'STEM', False),
    ('high_school_politics', '高中政治', 'Social Science', True),
    ('human_sexuality', '人类性行为', 'Other', False),
    ('international_law', '国际法学', 'Humanities', False),
    ('journalism', '新闻学', 'Social Science', False),
    ('jurisprudence', '法理学', 'Humanities', False),
    ('legal_and_moral_basis', '法律与道德基础', 'Other', False),
    ('logical', '逻辑学', 'Humanities', False),
    ('machine_learning', '机器学习', 'STEM', False),
    ('management', '管理学', 'Social Science', False),
    ('marketing', '市场营销', 'Social Science', False),
    ('marxist_theory', '马克思主义理论', 'Humanities', False),
    ('modern_chinese', '现代汉语', 'Social Science', True),
    ('nutrition', '营养学', 'Other', False),
    ('philosophy', '哲学', 'Humanities', False),
    ('professional_accounting', '专业会计', 'Social Science', False),
    ('professional_law', '专业法学', 'Humanities', False),
    ('professional_medicine', '专业医学', 'Other', False),
    ('professional_psychology', '专业心理学', 'Social Science', False),
    ('public_relations', '公共关系', 'Social Science', False),
    ('security_study', '安全研究', 'Social Science', False),
    ('sociology', '社会学', 'Social Science', False),
    ('sports_science', '体育学', 'Other', False),
    ('traditional_chinese_medicine', '中医中药', 'Other', True),
    ('virology', '病毒学', 'STEM', False),
    ('world_history', '世界历史', 'Humanities', False),
    ('world_religions', '世界宗教', 'Humanities', False),
]
cmmlu_subject_mapping = {_s: _zh for _s, _zh, _, _ in _subjects}
cmmlu_all_sets = list(cmmlu_subject_mapping)
cmmlu_categories = {
    _cat: [_s for _s, _, _c, _cn in _subjects if _c == _cat or _cn and _cat == 'China specific']
    for _cat in ('STEM', 'Humanities', 'Social Science', 'Other', 'China specific')
}
