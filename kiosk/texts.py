"""Every word the kiosk shows, in Simplified Chinese and English.

Rejections from the core are told in plain words a technician understands, keyed by the
wire contract's error codes.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

TEXTS: dict[str, tuple[str, str]] = {
    # frame
    "online": ("在线", "Online"),
    "offline": ("离线 — 操作已保存，恢复后自动发送", "Offline — taps are saved and sent later"),
    "unsent": ("待发送 {n} 条", "{n} unsent"),
    "all_sent": ("全部已送达", "All delivered"),
    "language": ("English", "中文"),
    "scan_hint": ("扫描工单二维码或刷工牌", "Scan job QR or badge"),
    "signed_in": ("在岗技师", "Signed in"),
    "nobody": ("无人签到，请刷工牌或输入PIN", "Nobody signed in: scan a badge or enter a PIN"),
    "sign_in": ("签到", "Sign in"),
    "sign_out": ("签退", "Sign out"),
    "pin": ("工牌号或PIN", "Badge or PIN"),
    "unknown_badge": ("未识别的工牌或PIN", "Unknown badge or PIN"),
    "acting": ("当前操作人", "Acting"),
    "saved": ("已保存，正在发送", "Saved, sending"),
    # jobs
    "queue": ("本工位排队", "Bay queue"),
    "no_jobs": ("暂无派工", "No jobs dispatched here"),
    "current": ("当前工单", "Current job"),
    "pick_job": ("请点选或扫码选择工单", "Tap or scan a job"),
    "promised": ("承诺交车", "Promised"),
    "standard": ("标准工时", "Standard"),
    "elapsed": ("已用", "Worked"),
    "operations": ("维修项目", "Operations"),
    "requests": ("客户要求", "Customer requests"),
    "findings": ("增项", "Findings"),
    "rework": ("返修", "Rework"),
    "escalation.call": ("顾问正在联系客户", "The advisor is calling the customer"),
    "escalation.escalate": ("已升级至服务经理", "Escalated to the service manager"),
    "working": ("作业中", "Working"),
    "hours": ("小时", "h"),
    "pending_tap": ("待发送: {what}", "Unsent: {what}"),
    "unknown_job_scan": ("本工位没有这个工单: {ro}", "No such job at this bay: {ro}"),
    # readiness
    "ready": ("可开工", "Ready"),
    "waiting_parts": ("待料", "Waiting parts"),
    "waiting_approval": ("待客户确认", "Waiting approval"),
    "in_progress": ("维修中", "In progress"),
    "paused": ("暂停", "Paused"),
    # actions
    "start": ("开始", "Start"),
    "resume": ("继续", "Resume"),
    "pause": ("暂停", "Pause"),
    "finding": ("报增项", "Finding"),
    "finish": ("完工自检", "Finish (self-check)"),
    "finish_confirm": (
        "确认完工？自检后本工位停止计时，车辆转入复检。",
        "Finish? The clocks stop and the car goes to the leader check.",
    ),
    "confirm": ("确认", "Confirm"),
    "cancel": ("取消", "Cancel"),
    "leader_check": ("复检通过", "Leader check OK"),
    "qc_pass": ("总检合格", "QC pass"),
    "leader_check_confirm": ("确认复检通过？", "Confirm the leader check?"),
    "qc_pass_confirm": (
        "确认总检合格？车辆将转入洗车或待交车。",
        "Pass QC? The car goes to wash or pickup.",
    ),
    "wash_done_confirm": ("确认洗车完成？车辆将转入待交车。", "Wash done? The car goes to pickup."),
    "qc_fail": ("总检不合格", "QC fail"),
    "qc_fail_items": ("不合格项目（每行一项）", "Failed items (one per line)"),
    "qc_fail_confirm": ("退回返修", "Send back to rework"),
    "wash_start": ("开始洗车", "Start wash"),
    "wash_done": ("洗车完成", "Wash done"),
    "pause_reason": ("暂停原因", "Pause reason"),
    # pause reasons
    "reason.waiting_parts": ("待料", "Waiting parts"),
    "reason.waiting_approval": ("待客户确认", "Waiting approval"),
    "reason.tool": ("设备/工具", "Tool / equipment"),
    "reason.break": ("休息", "Break"),
    "reason.shift_end": ("下班", "Shift end"),
    "reason.signed_out": ("已签退", "Signed out"),
    "reason.other": ("其他", "Other"),
    # findings dialog
    "finding_title": ("增项内容", "Finding"),
    "finding_custom": ("其他（手动输入）", "Other (type it)"),
    "severity": ("紧急程度", "Severity"),
    "severity.safety": ("安全隐患", "Safety"),
    "severity.recommended": ("建议维修", "Recommended"),
    "severity.advisory": ("提醒关注", "Advisory"),
    "labor_hours": ("预估工时", "Labour hours"),
    "parts_estimate": ("配件预估(元)", "Parts estimate"),
    "note": ("备注", "Note"),
    "report": ("提交增项", "Report finding"),
    "state.pending": ("待客户确认", "Awaiting answer"),
    "state.approved": ("客户同意", "Approved"),
    "state.declined": ("客户拒绝", "Declined"),
    "declined_safety": ("客户拒绝安全项，已记录", "Safety item declined by the customer"),
    # kinds of event, for unsent and rejected taps
    "event.tech.signed_in": ("签到", "sign in"),
    "event.tech.signed_out": ("签退", "sign out"),
    "event.job.started": ("开始", "start"),
    "event.job.paused": ("暂停", "pause"),
    "event.job.resumed": ("继续", "resume"),
    "event.job.finding": ("增项", "finding"),
    "event.job.self_checked": ("完工自检", "finish"),
    "event.job.leader_checked": ("复检", "leader check"),
    "event.qc.passed": ("总检合格", "QC pass"),
    "event.qc.failed": ("总检不合格", "QC fail"),
    "event.wash.started": ("开始洗车", "wash start"),
    "event.wash.done": ("洗车完成", "wash done"),
    "rejected": ("未被接受", "not accepted"),
    # rejection codes of the wire contract, in a technician's words
    "error.malformed_json": (
        "终端发送的数据损坏，请联系管理员",
        "The kiosk sent broken data; call IT",
    ),
    "error.invalid_envelope": (
        "终端数据格式错误，请联系管理员",
        "The kiosk sent a bad message; call IT",
    ),
    "error.unsupported_version": (
        "终端版本过旧，请联系管理员",
        "This kiosk is out of date; call IT",
    ),
    "error.unknown_event_type": ("系统不认识这个操作", "The system does not know this action"),
    "error.invalid_data": ("填写的内容不完整或有误", "Something filled in is missing or wrong"),
    "error.source_mismatch": ("终端身份不符，请联系管理员", "Kiosk identity mismatch; call IT"),
    "error.unknown_device": (
        "这台终端未登记，请联系管理员",
        "This kiosk is not registered; call IT",
    ),
    "error.not_permitted": ("这台终端不能做这个操作", "This kiosk may not do that"),
    "error.wrong_bay": ("这个工单没有派到本工位", "This job is not dispatched to this bay"),
    "error.unknown_job": ("找不到这个工单", "No such job"),
    "error.unknown_technician": ("找不到这位技师", "No such technician"),
    "error.unknown_bay": ("找不到这个工位", "No such bay"),
    "error.unknown_finding": ("找不到这个增项", "No such finding"),
    "error.unknown_key": ("这把钥匙不属于在修车辆", "This key belongs to no car in the workshop"),
    "error.not_signed_in": ("请先在本工位签到", "Sign in at this bay first"),
    "error.technician_busy": (
        "您正在做另一个工单，请先暂停它",
        "You are on another job; pause it first",
    ),
    "error.findings_pending": (
        "还有增项在等客户确认，暂不能完工",
        "A finding still waits for the customer's answer",
    ),
    "error.illegal_transition": ("当前状态下不能这样操作", "That step is not possible now"),
    "error.unknown": ("操作未被接受", "The action was not accepted"),
}


def text(key: str, lang: Lang, **params: object) -> str:
    zh, en = TEXTS.get(key, (key, key))
    return (zh if lang == "zh" else en).format(**params)


def error_text(code: str | None, lang: Lang) -> str:
    key = f"error.{code}"
    return text(key if key in TEXTS else "error.unknown", lang)
