"""Every word the boards show, in Simplified Chinese and English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

Lang = Literal["zh", "en"]

TEXTS: dict[str, tuple[str, str]] = {
    # sign-in
    "login.title": ("登录 Pitboard", "Sign in to Pitboard"),
    "login.user": ("工号", "User"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("工号或密码不对", "Wrong user or password"),
    "logout": ("退出", "Sign out"),
    "language": ("English", "中文"),
    # lounge
    "lounge.title": ("车辆维修进度", "Service progress"),
    "lounge.empty": ("今天暂无在店车辆", "No cars in the workshop today"),
    "lounge.page": ("第 {n} / {of} 页", "Page {n} of {of}"),
    "lounge.plate": ("车牌", "Plate"),
    "lounge.car": ("车型", "Car"),
    "lounge.stage": ("进度", "Stage"),
    "lounge.promised": ("预计交车", "Promised"),
    "notice.ready": ("请到前台提车", "Please come to the front desk"),
    "notice.at_risk": ("服务顾问将与您联系", "Your advisor will contact you"),
    "status.none": ("未找到该车辆", "No such car"),
    "status.predicted": ("预计完工", "Expected"),
    # stages
    "stage.checked_in": ("已接车", "Checked in"),
    "stage.waiting": ("等待维修", "Waiting"),
    "stage.in_progress": ("维修中", "In progress"),
    "stage.quality_check": ("质检中", "Quality check"),
    "stage.wash": ("洗车中", "Washing"),
    "stage.ready": ("可提车", "Ready"),
    # pause reasons
    "pause.waiting_parts": ("待料", "Waiting parts"),
    "pause.waiting_approval": ("待客户确认", "Waiting approval"),
    "pause.tool": ("设备", "Tool"),
    "pause.break": ("休息", "Break"),
    "pause.shift_end": ("下班", "Shift end"),
    "pause.signed_out": ("签退", "Signed out"),
    "pause.other": ("其他", "Other"),
    # dispatch board
    "dispatch.title": ("派工看板", "Dispatch board"),
    "dispatch.queue": ("待派工", "Waiting for dispatch"),
    "dispatch.none": ("无", "None"),
    "dispatch.to": ("派往工位", "To bay"),
    "dispatch.job": ("工单", "Job"),
    "dispatch.go": ("派工", "Dispatch"),
    "dispatch.drag": ("拖到工位行即可派工", "Drag onto a bay's row to dispatch"),
    "dispatch.done": ("{ro} 已派往 {bay}", "{ro} dispatched to {bay}"),
    "dispatch.waiting_customer": ("客户在店等", "Customer waiting"),
    "panel.findings": ("待客户确认的增项", "Findings awaiting the customer"),
    "panel.qc": ("质检队列", "QC queue"),
    "panel.wash": ("洗车队列", "Wash queue"),
    "panel.ready": ("待提车", "Ready for pickup"),
    "panel.keys": ("钥匙", "Keys"),
    "panel.devices": ("设备状态", "Devices"),
    "panel.alerts": ("提醒", "Alerts"),
    "panel.prints": ("最近打印", "Recent prints"),
    "key.in_count": ("柜内钥匙 {n} 把", "{n} keys in the cabinet"),
    "key.slot": ("{slot} 号挂钩", "hook {slot}"),
    "dispatch.eta": ("预计 {predicted} / 承诺 {promised}", "ETA {predicted} / promised {promised}"),
    "dispatch.team": ("班组", "Team"),
    "key.out": ("{holder} 取走 {minutes} 分钟", "Out with {holder} for {minutes} min"),
    "device.online": ("在线", "online"),
    "device.offline": ("离线", "offline"),
    "alert.promise_at_risk": ("可能误时", "Promise at risk"),
    "alert.approval_call": ("请致电客户确认增项", "Call the customer about a finding"),
    "alert.approval_escalate": ("增项久未确认，已升级", "Finding unanswered: escalated"),
    "alert.key_out_too_long": ("钥匙外借过久", "Key out too long"),
    "alert.device_offline": ("设备离线", "Device offline"),
    "alert.print_failed": ("打印失败", "Print failed"),
    "escalation.call": ("需致电", "Call"),
    "escalation.escalate": ("已升级", "Escalated"),
    "minutes": ("{n} 分钟", "{n} min"),
    "overrun": ("超时", "Overrun"),
    # repair order timeline and corrections
    "order.title": ("工单 {ro}", "Repair order {ro}"),
    "order.timeline": ("全过程记录", "Timeline"),
    "order.clocks": ("工时记录", "Clock record"),
    "order.unknown": ("没有这个工单", "No such repair order"),
    "correct.title": ("更正工时", "Correct the clock"),
    "correct.start": ("开始", "Start"),
    "correct.end": ("结束", "End"),
    "correct.reason": ("更正原因（必填）", "Reason (required)"),
    "correct.adjust": ("改时间", "Set times"),
    "correct.pause": ("补记暂停", "Add a forgotten pause"),
    "correct.move": ("改到其他工单", "Move to another order"),
    "correct.to_ro": ("正确的工单号", "The right repair order"),
    "correct.done": ("已更正，原记录保留在审计日志", "Corrected; the original stays in the log"),
    # desk
    "desk.title": ("前台接待", "Reception desk"),
    "desk.check_in": ("接车", "Check a car in"),
    "desk.customer": ("客户姓名", "Customer"),
    "desk.phone": ("电话", "Phone"),
    "desk.plate": ("车牌", "Plate"),
    "desk.vin": ("VIN", "VIN"),
    "desk.model": ("车型", "Model"),
    "desk.colour": ("颜色", "Colour"),
    "desk.mileage": ("里程 (km)", "Mileage (km)"),
    "desk.fuel": ("油量", "Fuel"),
    "desk.operations": ("维修项目", "Operations"),
    "desk.requests": ("客户描述", "Customer's words"),
    "desk.promised": ("承诺交车时间", "Promised at"),
    "desk.waiting": ("客户在店等候", "Customer waits"),
    "desk.wash": ("洗车", "Wash"),
    "desk.old_parts": ("旧件带走", "Keep old parts"),
    "desk.key_tag": ("钥匙牌号", "Key tag"),
    "desk.submit": ("接车并打印", "Check in and print"),
    "desk.checked_in": ("{ro} 已接车，钥匙挂 {slot} 号", "{ro} checked in, key on hook {slot}"),
    "desk.history": ("上次未做的建议项目", "Declined last time"),
    "desk.findings": ("待客户确认的增项", "Findings to relay"),
    "desk.approve": ("客户同意", "Customer says yes"),
    "desk.decline": ("客户拒绝", "Customer says no"),
    "desk.answer_note": ("客户原话", "Customer's answer"),
    "desk.ready": ("可交车", "Ready to hand over"),
    "desk.deliver": ("交车并打印出门证", "Hand over, print gate pass"),
    "desk.follow_up": ("三日回访", "3-day follow-up"),
    "desk.record": ("记录", "Record"),
    "desk.missing": ("请填写：{what}", "Please fill in: {what}"),
    "desk.refused": ("未能执行：{why}", "Not done: {why}"),
    "outcome.very_good": ("非常满意", "Very good"),
    "outcome.good": ("满意", "Good"),
    "outcome.fair": ("一般", "Fair"),
    "outcome.dissatisfied": ("不满意", "Dissatisfied"),
    "outcome.complaint": ("投诉", "Complaint"),
    "outcome.unreachable": ("未联系上", "Unreachable"),
    # reports
    "reports.title": ("报表", "Reports"),
    "reports.day": ("日报", "Day"),
    "reports.week": ("周报", "Week"),
    "reports.month": ("月报", "Month"),
    "reports.csv": ("导出 CSV", "Export CSV"),
    "reports.jobs_in": ("进厂台次", "Jobs in"),
    "reports.delivered": ("交车台次", "Delivered"),
    "reports.on_time": ("准时交车率", "On-time delivery"),
    "reports.cycle": ("平均在厂时长 (h)", "Average cycle (h)"),
    "reports.waiting": ("平均等待派工 (h)", "Average wait for dispatch (h)"),
    "reports.first_time_fix": ("一次修复率", "First-time fix"),
    "reports.approval": ("增项同意率", "Findings approved"),
    "reports.approved_value": ("增项金额（配件）", "Approved findings (parts)"),
    "reports.approved_hours": ("增项工时", "Approved findings (hours)"),
    "reports.efficiency": ("技师效率（标准/实际）", "Technician efficiency (standard / actual)"),
    "reports.utilisation": ("工位利用率", "Bay utilisation"),
}


def texts_for(lang: Lang) -> Callable[..., str]:
    index = 0 if lang == "zh" else 1

    def t(key: str, **kw: object) -> str:
        pair = TEXTS.get(key)
        text = pair[index] if pair else key
        return text.format(**kw) if kw else text

    return t


def both(key: str, **kw: object) -> str:
    """Chinese and English together, for screens read by everyone (the lounge)."""
    zh, en = TEXTS[key]
    return f"{zh.format(**kw)} {en.format(**kw)}" if kw else f"{zh} {en}"
