"""The texts of the pages users see, Chinese first, English available."""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("zh", "en")

TEXTS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "lang": "zh-CN",
        "colon": "：",
        "warn_title": "将要访问",
        "warn_text": "非官方网页，请确认是否继续访问。",
        "continue": "继续访问",
        "copy": "复制链接",
        "copied": "已复制",
        "report": "投诉",
        "copy_only_title": "无法直接打开",
        "copy_only_text": "如需浏览，请长按网址复制后使用浏览器访问",
        "blocked_title": "已停止访问该网页",
        "blocked_category": "类别",
        "blocked_text": "该网页已被停止访问。",
        "appeal": "如果你是该网页的所有者，可通过平台门户或平台 API 提交申诉，并附上申诉编号。",
        "appeal_reference": "申诉编号",
        "back": "返回",
        "link_expired": "链接已失效",
        "link_invalid": "该链接无效或已被篡改，无法打开。",
        "preview": "链接预览",
        "report_title": "投诉该网页",
        "report_intro": "请选择投诉原因，我们会尽快核实处理。",
        "report_reason": "投诉原因",
        "report_comment": "补充说明（选填）",
        "report_comment_hint": "最多 500 字，请勿填写手机号等个人信息",
        "report_submit": "提交",
        "report_choose": "请选择一个投诉原因。",
        "report_comment_long": "补充说明最多 500 字。",
        "report_done_title": "投诉已提交",
        "report_done_text": "感谢你的投诉，我们会尽快核实处理。",
        "report_again_text": "你已投诉过该网页，无需重复提交。",
        "report_id": "投诉编号",
        "report_back": "返回网页提示",
        "report_limited_title": "投诉过于频繁",
        "report_limited_text": "你最近提交的投诉较多，请 {wait}后再试。",
        "report_expired_title": "页面已过期",
        "report_expired_text": "投诉页面已过期或不是从本页面提交的，请返回重新打开投诉页面。",
        "minutes": "{n} 分钟",
        "seconds": "{n} 秒",
    },
    "en": {
        "lang": "en",
        "colon": ": ",
        "warn_title": "You are about to leave",
        "warn_text": "This is not an official page. Continue only if you trust it.",
        "continue": "Continue",
        "copy": "Copy link",
        "copied": "Copied",
        "report": "Report",
        "copy_only_title": "This link cannot open here",
        "copy_only_text": "To view it, copy the address and open it in a browser",
        "blocked_title": "This page has been blocked",
        "blocked_category": "Category",
        "blocked_text": "This page can no longer be opened here.",
        "appeal": "If you own this page, appeal through the platform portal or the platform API "
        "and quote the reference below.",
        "appeal_reference": "Reference",
        "back": "Back",
        "link_expired": "This link has expired",
        "link_invalid": "This link is invalid or has been tampered with and cannot open.",
        "preview": "Link preview",
        "report_title": "Report this page",
        "report_intro": "Tell us what is wrong; we will look into it.",
        "report_reason": "Reason",
        "report_comment": "Anything to add (optional)",
        "report_comment_hint": "Up to 500 characters; no phone numbers or other personal details",
        "report_submit": "Submit",
        "report_choose": "Choose a reason.",
        "report_comment_long": "Keep it to 500 characters.",
        "report_done_title": "Report received",
        "report_done_text": "Thank you. We will look into it.",
        "report_again_text": "You have already reported this page; no need to report it again.",
        "report_id": "Report number",
        "report_back": "Back to the link",
        "report_limited_title": "Too many reports",
        "report_limited_text": "You have sent many reports recently. Please try again in {wait}.",
        "report_expired_title": "This page has expired",
        "report_expired_text": "This report form has expired or was not sent from this page. "
        "Go back and open the report form again.",
        "minutes": "{n} min",
        "seconds": "{n} s",
    },
}

#: The report reasons offered on the report form, in the order users know them
#: (every category of :data:`linkgate.vocabulary.REPORT_CATEGORIES`, once).
REPORT_REASONS: Final = (
    "fraud",
    "fake_red_envelope",
    "vulgar",
    "induced_sharing",
    "rumor",
    "gambling",
    "privacy",
    "marketing",
    "fake",
    "piracy",
    "malware_phishing",
    "other",
)

CATEGORY_NAMES: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "marketing": "营销外链",
        "fake": "虚假信息",
        "fraud": "欺诈",
        "rumor": "谣言",
        "vulgar": "色情低俗",
        "induced_sharing": "诱导分享/关注",
        "fake_red_envelope": "虚假红包",
        "gambling": "赌博",
        "piracy": "侵权盗版",
        "privacy": "收集个人隐私",
        "malware_phishing": "恶意软件/钓鱼",
        "malware": "恶意软件",
        "phishing": "网络钓鱼",
        "other": "其他",
    },
    "en": {
        "marketing": "Marketing links",
        "fake": "Fake information",
        "fraud": "Fraud",
        "rumor": "Rumour",
        "vulgar": "Vulgar content",
        "induced_sharing": "Induced sharing or following",
        "fake_red_envelope": "Fake red envelope",
        "gambling": "Gambling",
        "piracy": "Piracy",
        "privacy": "Collects personal information",
        "malware_phishing": "Malware or phishing",
        "malware": "Malware",
        "phishing": "Phishing",
        "other": "Other",
    },
}


def language(accept_language: str | None) -> str:
    """``en`` when the most preferred language is English, else Chinese (the default)."""
    if not accept_language:
        return "zh"
    best = ("zh", -1.0)
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        score = quality - position * 1e-6
        if primary in LANGUAGES and score > best[1]:
            best = (primary, score)
    return best[0]


#: What stopped a link, by the decision stage that blocked it (when it names no category).
STAGE_NAMES: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "parse": "网址无效",
        "deception": "可疑网址",
        "threat_list": "恶意网页",
        "enforcement": "违规处理",
        "rollout": "暂未开放",
        "group": "群设置",
        "channel": "分享渠道限制",
        "tier": "平台规则",
        "credit": "平台信用",
        "content": "网页内容违规",
        "sender": "发送者受限",
    },
    "en": {
        "parse": "Invalid address",
        "deception": "Deceptive address",
        "threat_list": "Harmful page",
        "enforcement": "Enforcement",
        "rollout": "Not open yet",
        "group": "Group setting",
        "channel": "Channel rule",
        "tier": "Platform rule",
        "credit": "Platform credit",
        "content": "Page content",
        "sender": "Sender restricted",
    },
}

#: Said on the blocked page when the policy has no text for the reason.
STAGE_TEXTS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "parse": "网址无效，无法打开。",
        "deception": "该网址存在可疑之处，为保护你的账号安全，已停止访问。",
        "threat_list": "该网页含有恶意内容，已停止访问。",
        "enforcement": "该网页因违规已停止访问。",
    },
    "en": {
        "parse": "The address is not a valid link.",
        "deception": "This address looks deceptive and has been blocked to keep your account safe.",
        "threat_list": "This page is known to be harmful and has been blocked.",
        "enforcement": "This page has been blocked for violating the rules.",
    },
}
