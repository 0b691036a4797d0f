"""The rules the ledger enforces, each with its stable ID, Chinese title and the article it comes from.

A rule's value is its ID as events, refusals and the streams carry it ("D3"): a `Rule` is a string, so
what is stored stays the same string. docs/rules.md lists them in the project's words.
"""

from __future__ import annotations

from enum import Enum, StrEnum


class Regulation(Enum):
    """A document the rules come from: how it is cited, its full title, and the project's own copy of it where
    the repository keeps one."""

    citation: str
    title_zh: str
    file: str | None

    def __init__(self, citation: str, title_zh: str, file: str | None) -> None:
        self.citation = citation
        self.title_zh = title_zh
        self.file = file

    YANJIANG_2022 = ("资雁府办发〔2022〕6号", "资阳市雁江区人民政府办公室关于印发雁江区政务公开相关制度的通知",
                     "connectors/demo_data/yanjiang-2022-6.txt")
    ZIYANG_2020 = ("资府办发〔2020〕31号", "资阳市人民政府办公室关于印发《资阳市全面推进政务公开工作的实施意见》的通知",
                   "connectors/demo_data/ziyang-2020-31.txt")
    TIANNING_2018 = ("天宁区实施意见（2018）", "天宁区关于全面推进政务公开工作的实施意见",
                     "connectors/demo_data/tianning-2018-implementation.txt")
    QINGYUAN_2016 = ("清原县政务公开工作制度（2016）", "清原满族自治县政务公开工作制度", "connectors/demo_data/qingyuan-2016-rules.txt")
    OGI_REGULATIONS = ("政府信息公开条例", "中华人民共和国政府信息公开条例（2019年修订，国务院令第711号）", None)
    RETENTION_PERIODS = ("国家档案局令第8号", "机关文件材料归档范围和文书档案保管期限规定（2006）", None)
    AGENCY_ARCHIVES = ("国家档案局令第13号", "机关档案管理规定（2018）", None)


YANJIANG = Regulation.YANJIANG_2022
ZIYANG = Regulation.ZIYANG_2020
TIANNING = Regulation.TIANNING_2018
QINGYUAN = Regulation.QINGYUAN_2016
OGI = Regulation.OGI_REGULATIONS
PERIODS = Regulation.RETENTION_PERIODS
AGENCY_ARCHIVES = Regulation.AGENCY_ARCHIVES


class Rule(StrEnum):
    """A rule by its ID, with its Chinese title and its source: which regulation, which article."""

    title_zh: str
    regulation: Regulation
    article: str

    def __new__(cls, rule_id: str, title_zh: str, regulation: Regulation, article: str) -> Rule:
        rule = str.__new__(cls, rule_id)
        rule._value_ = rule_id
        rule.title_zh = title_zh
        rule.regulation = regulation
        rule.article = article
        return rule

    @property
    def source(self) -> str:
        """Where the rule comes from, as a citation: 资府办发〔2020〕31号 二（六）1."""
        return f"{self.regulation.citation} {self.article}"

    # Catalogue of disclosure items 公开事项清单
    C1 = "C1", "公开事项清单逐项列明十个要素", YANJIANG, "附件4 第三条"
    C2 = "C2", "清单按规定情形调整", YANJIANG, "附件4 第四条"
    C3 = "C3", "谁发布、谁负责", YANJIANG, "附件4 第五条"
    C4 = "C4", "清单调整发布后报领导小组备案", YANJIANG, "附件4 第五条"
    # Disclosure acts 公开行为
    D1 = "D1", "拟制公文明确公开属性", ZIYANG, "二（六）1"
    D2 = "D2", "非主动公开须依法说明理由，否则退文", ZIYANG, "二（六）1"
    D3 = "D3", "主动公开文件自签发之日起3个工作日内公开", ZIYANG, "二（六）1"
    D4 = "D4", "公开信息审查表由组稿人、签发人、推送人签字确认", ZIYANG, "二（六）2"
    D5 = "D5", "未经预审小组审查通过的内容不得公开", QINGYUAN, "政务公开预审制度 第三条"
    D6 = "D6", "每期公开内容须经分管领导审核签字", QINGYUAN, "政务公开制度 四"
    D7 = "D7", "国家秘密、商业秘密、个人隐私不予公开", OGI, "第十四条、第十五条"
    D8 = "D8", "每次公开的内容均要存档", QINGYUAN, "政务公开工作制度 五"
    D9 = "D9", "政策文件公开后3个工作日内发布解读并相互链接", TIANNING, "二（一）4"
    D10 = "D10", "每年11月自查不予公开的信息", TIANNING, "二（一）3"
    D11 = "D11", "执法决定20个工作日内公示，行政许可、行政处罚7个工作日内公开", ZIYANG, "二（三）3"
    # Applications for disclosure 依申请公开
    A1 = "A1", "自收到申请之日起20个工作日内答复", OGI, "第三十一条、第三十三条"
    A2 = "A2", "延期答复经负责人同意并告知申请人，最长延长20个工作日", OGI, "第三十三条"
    A3 = "A3", "按法定类型答复", OGI, "第三十六条、第三十七条"
    A4 = "A4", "7个工作日内一次性告知补正", OGI, "第三十条"
    A5 = "A5", "征求第三方意见期限15个工作日，所需时间不计入答复期限", OGI, "第三十二条、第三十三条"
    A6 = "A6", "政府部门于1月31日前、人民政府于3月31日前公布上一年度政府信息公开工作年度报告", OGI, "第四十九条、第五十条"
    # Major-decision pre-disclosure 重大行政决策预公开
    P1 = "P1", "预公开前经保密审查和领导班子集体讨论", YANJIANG, "附件3 第六条（一）"
    P2 = "P2", "公布决策草案及起草说明", YANJIANG, "附件3 第四条"
    P3 = "P3", "征求意见不少于30日，缩短须说明理由且不少于7日", YANJIANG, "附件3 第六条（二）"
    P4 = "P4", "意见吸收采纳后10个工作日内公开采纳情况", YANJIANG, "附件3 第六条（三）"
    # Hearings 听证
    H1 = "H1", "听证会召开5个工作日前通知", QINGYUAN, "政务公开听证制度 第九条"
    H2 = "H2", "听证会设主持人、书记员、主问人员、主答人员", QINGYUAN, "政务公开听证制度 第四条、第五条"
    H3 = "H3", "除涉及国家秘密外，听证会公开举行", QINGYUAN, "政务公开听证制度 第二条"
    H4 = "H4", "听证记录存档，形成听证会议纪要", QINGYUAN, "政务公开听证制度 第七条、第十一条"
    H5 = "H5", "听证事项办理结果公开", QINGYUAN, "政务公开听证制度 第十三条"
    # Public representatives at meetings 列席, open days 政务开放日
    M1 = "M1", "会议结束后3个工作日内公示代表意见采纳情况", YANJIANG, "附件6 第五条（五）"
    M2 = "M2", "全体会议、常务会议邀请代表列席每年不少于3次", TIANNING, "二（一）3"
    O1 = "O1", "政务开放日每半年一次，活动前7个工作日内公示年满18周岁的参加代表", YANJIANG, "附件5 第三条、第四条、第六条"
    # Announcements 告示, emergencies 突发事件
    N1 = "N1", "决策类告示不少于20个工作日，执行类不少于7个工作日，应急类实时告示", QINGYUAN, "政务公开告示制度 第六条"
    N2 = "N2", "重大突发事件5小时内发布权威信息，24小时内举行新闻发布会", TIANNING, "二（一）5"
    # Complaints 投诉
    Q1 = "Q1", "按规定范围受理投诉", QINGYUAN, "政务公开投诉制度 第三条"
    Q2 = "Q2", "重大事项投诉采用署名书面形式", QINGYUAN, "政务公开投诉制度 第四条"
    Q3 = "Q3", "对投诉者的身份、姓名予以保密", QINGYUAN, "政务公开投诉制度 第四条"
    Q4 = "Q4", "办理及反馈情况公开", QINGYUAN, "政务公开投诉制度 第六条"
    # Accountability 责任追究
    K1 = "K1", "分别追究直接责任人、单位负责人和单位的责任", QINGYUAN, "政务公开责任追究制度 第二条"
    K2 = "K2", "违反政务公开制度的十种行为", QINGYUAN, "政务公开责任追究制度 第六条"
    K3 = "K3", "调查核实、初步意见、集体研究决定、备案", QINGYUAN, "政务公开责任追究制度 第五条"
    K4 = "K4", "五种追究方式，可以单处，也可以并处", QINGYUAN, "政务公开责任追究制度 第七条"
    # Assessment 考核
    E1 = "E1", "百分制考核，分优秀、良好、合格、不合格四个等次", YANJIANG, "附件7 第三条"
    E2 = "E2", "季度考评每季度通报，年终考核次年年初进行", YANJIANG, "附件7 第二条"
    E3 = "E3", "自查自评、考核、审定等次后通报", YANJIANG, "附件7 第五条"
    E4 = "E4", "不合格限期整改，整改后仍不合格的取消评先评优资格并追究责任", YANJIANG, "附件7 第六条"
    # Archive 档案
    R1 = "R1", "建立政务公开档案，专人负责，材料齐全，归档及时", QINGYUAN, "政务公开工作制度 五；政务公开制度 十"
    R2 = "R2", "档案原件在保管期限内不得更改或删除", QINGYUAN, "政务公开制度 十"
    R3 = "R3", "保管期限自文件形成年度的次年1月1日起算", PERIODS, "保管期限的起算"
    R4 = "R4", "保管期限届满的档案应当鉴定，仍有价值的延长保管期限，无保存价值的列入销毁清册", AGENCY_ARCHIVES, "档案鉴定"
    R5 = "R5", "销毁清册经机关负责人批准，两人以上监销并在清册上签字，销毁清册永久保存", AGENCY_ARCHIVES, "档案销毁"


class RuleOutcome(StrEnum):
    """Whether a deadline or a flagged rule was kept, as an event records it under the rule's ID."""

    MET = "met"
    BREACHED = "breached"
    MISSED = "missed"  # an aim that is not the rule itself (N2's three hours) was not reached

    @classmethod
    def of(cls, kept: bool) -> RuleOutcome:
        return cls.MET if kept else cls.BREACHED
