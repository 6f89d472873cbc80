"""Every word any screen shows, in Simplified Chinese and English: kiosk, lounge, the
customer's status page, dispatch, desk, orders, reports and sign-in, one keyed table.

Refusals are told in plain words by their error code (``error.{code}``); the developer's
message behind a code goes to the log, never onto a screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

logger = logging.getLogger(__name__)

Lang = Literal["zh", "en"]
Texts = Callable[..., str]

TEXTS: dict[str, tuple[str, str]] = {
    "language": ("English", "中文"),  # the switch names the language it switches to
    # the start page, read by everyone: both languages at once
    "index.lounge": ("客户休息区", "Lounge"),
    "index.welcome": ("预约欢迎看板", "Welcome board"),
    "index.kiosk": ("工位终端 {bay}", "Kiosk {bay}"),
    # sign-in
    "login.title": ("登录 Pitboard", "Sign in to Pitboard"),
    "login.user": ("工号", "User"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("工号或密码不对", "Wrong user or password"),
    "login.locked": (
        "密码错误次数过多，请 {minutes} 分钟后再试",
        "Too many wrong passwords: try again in {minutes} min",
    ),
    "logout": ("退出", "Sign out"),
    # the service manager's page of sign-ins and API tokens
    "access.title": ("登录与接口令牌", "Sign-ins and API tokens"),
    "access.sessions": ("当前登录", "Signed in now"),
    "access.since": ("登录于", "since"),
    "access.seen": ("最近使用", "last used"),
    "access.this": ("（本浏览器）", "(this browser)"),
    "access.end": ("结束登录", "End session"),
    "access.ended": ("已结束登录，对方下次操作时需重新登录", "Ended: they must sign in again"),
    "access.tokens": ("接口令牌", "API tokens"),
    "access.token_name": ("名称（调用方）", "Name (who uses it)"),
    "access.scope": ("权限", "Scope"),
    "access.create": ("生成令牌", "Create token"),
    "access.created": ("生成于", "created"),
    "access.revoke": ("吊销", "Revoke"),
    "access.revoked": ("已于 {at} 吊销", "revoked {at}"),
    "access.revoked_now": ("令牌已吊销，立即失效", "Revoked: refused from now on"),
    "access.bad_name": (
        "名称只能用字母、数字、点、下划线或连字符",
        "A name is letters, digits, '.', '_' or '-'",
    ),
    "access.shown_once": (
        "令牌只显示这一次，请立即复制到调用系统的设置中",
        "The token is shown only this once: copy it into the calling system's settings now",
    ),
    "access.copy": ("复制", "Copy"),
    "access.close": ("关闭", "Close"),
    "access.events": ("最近的登录记录", "Latest sign-in lines"),
    "access.at": ("时间", "When"),
    "access.what": ("事件", "What"),
    "access.by": ("来源", "By"),
    "access.detail": ("详情", "Detail"),
    "scope.read": ("只读（看板、报表）", "Read only (dashboards)"),
    "scope.write": ("读写（经销商管理系统）", "Read and write (dealer system)"),
    "access_event.signin.refused": ("登录失败", "Sign-in refused"),
    "access_event.signin.locked": ("登录锁定", "Sign-in locked"),
    "access_event.session.started": ("登录", "Signed in"),
    "access_event.session.ended": ("结束登录", "Session ended"),
    "access_event.token.created": ("生成令牌", "Token created"),
    "access_event.token.revoked": ("吊销令牌", "Token revoked"),
    # the kiosk
    "kiosk.no_such_bay": ("没有设在 {bay} 的工位终端", "No kiosk stands at bay {bay}"),
    "kiosk.online": ("在线", "Online"),
    "kiosk.offline": (
        "离线 — 操作已保存，恢复后自动发送",
        "Offline — taps are saved and sent later",
    ),
    "kiosk.refused": (
        "服务器拒绝了本终端的登录 — 请管理员检查设备密码",
        "The server refused this kiosk's login — ask the admin to check its device password",
    ),
    "kiosk.unsent": ("待发送 {n} 条", "{n} unsent"),
    "kiosk.moved_away": (
        "{name} 已在 {bay} 签到，已离开本工位",
        "{name} signed in at {bay} and left this bay",
    ),
    "kiosk.came_from": ("来自 {bay}", "from {bay}"),
    "kiosk.all_sent": ("全部已送达", "All delivered"),
    "kiosk.scan_hint": ("扫描工单二维码或刷工牌", "Scan job QR or badge"),
    "kiosk.signed_in": ("在岗技师", "Signed in"),
    "kiosk.nobody": (
        "无人签到，请刷工牌或输入PIN",
        "Nobody signed in: scan a badge or enter a PIN",
    ),
    "kiosk.sign_in": ("签到", "Sign in"),
    "kiosk.sign_out": ("签退", "Sign out"),
    "kiosk.pin": ("PIN密码", "PIN"),
    "kiosk.pin_ok": ("确定", "OK"),
    "kiosk.who": ("请点您的名字", "Tap your name"),
    "kiosk.badge_instead": (
        "有工牌请直接在扫描框刷卡；工号不能用来签到",
        "With a badge, just scan it; a technician number alone does not sign in",
    ),
    "kiosk.wrong_pin": ("PIN不对", "Wrong PIN"),
    "kiosk.unknown_code": (
        "既不是本工位的工单，也不是工牌",
        "Neither a job at this bay nor a badge",
    ),
    "kiosk.wait_technician": (
        "{name} 的PIN错误次数过多，请等 {s} 秒（{at} 后）再试",
        "Too many wrong PINs for {name}: try again in {s} s (at {at})",
    ),
    "kiosk.wait_kiosk": (
        "本终端错误次数过多，请等 {s} 秒（{at} 后）再试",
        "Too many wrong tries at this kiosk: try again in {s} s (at {at})",
    ),
    "kiosk.acting": ("当前操作人", "Acting"),
    "kiosk.saved": ("已保存，正在发送", "Saved, sending"),
    "kiosk.queue": ("本工位排队", "Bay queue"),
    "kiosk.no_jobs": ("暂无派工", "No jobs dispatched here"),
    "kiosk.pick_job": ("请点选或扫码选择工单", "Tap or scan a job"),
    "kiosk.promised": ("承诺交车", "Promised"),
    "kiosk.standard": ("标准工时", "Standard"),
    "kiosk.elapsed": ("已用", "Worked"),
    "kiosk.operations": ("维修项目", "Operations"),
    "kiosk.requests": ("客户要求", "Customer requests"),
    "kiosk.findings": ("增项", "Findings"),
    "kiosk.rework": ("返修", "Rework"),
    "kiosk.escalation.call": ("顾问正在联系客户", "The advisor is calling the customer"),
    "kiosk.escalation.escalate": ("已升级至服务经理", "Escalated to the service manager"),
    "kiosk.working": ("作业中", "Working"),
    "kiosk.hours": ("小时", "h"),
    "kiosk.pending_tap": ("待发送: {what}", "Unsent: {what}"),
    "kiosk.start": ("开始", "Start"),
    "kiosk.resume": ("继续", "Resume"),
    "kiosk.pause": ("暂停", "Pause"),
    "kiosk.finding": ("报增项", "Finding"),
    "kiosk.finish": ("完工自检", "Finish (self-check)"),
    "kiosk.finish_confirm": (
        "确认完工？自检后本工位停止计时，车辆转入复检。",
        "Finish? The clocks stop and the car goes to the leader check.",
    ),
    "kiosk.confirm": ("确认", "Confirm"),
    "kiosk.cancel": ("取消", "Cancel"),
    "kiosk.leader_check": ("复检通过", "Leader check OK"),
    "kiosk.qc_pass": ("总检合格", "QC pass"),
    "kiosk.leader_check_confirm": ("确认复检通过？", "Confirm the leader check?"),
    "kiosk.qc_pass_confirm": (
        "确认总检合格？车辆将转入洗车或待交车。",
        "Pass QC? The car goes to wash or pickup.",
    ),
    "kiosk.wash_done_confirm": (
        "确认洗车完成？车辆将转入待交车。",
        "Wash done? The car goes to pickup.",
    ),
    "kiosk.qc_fail": ("总检不合格", "QC fail"),
    "kiosk.qc_fail_items": ("不合格项目（每行一项）", "Failed items (one per line)"),
    "kiosk.qc_fail_confirm": ("退回返修", "Send back to rework"),
    "kiosk.wash_start": ("开始洗车", "Start wash"),
    "kiosk.wash_done": ("洗车完成", "Wash done"),
    "kiosk.pause_reason": ("暂停原因", "Pause reason"),
    "kiosk.finding_title": ("增项内容", "Finding"),
    "kiosk.severity": ("紧急程度", "Severity"),
    "kiosk.labor_hours": ("预估工时", "Labour hours"),
    "kiosk.parts_estimate": ("配件预估(元)", "Parts estimate"),
    "kiosk.note": ("备注", "Note"),
    "kiosk.report": ("提交增项", "Report finding"),
    "kiosk.declined_safety": ("客户拒绝安全项，已记录", "Safety item declined by the customer"),
    "kiosk.rejected": ("未被接受", "not accepted"),
    # pairing a browser with a bay: the screen an unpaired one sees
    "pairing.title": ("本屏幕尚未配对", "This screen is not paired"),
    "pairing.bay": ("工位 {bay}", "Bay {bay}"),
    "pairing.how": (
        "请车间主管在调度看板点“配对屏幕”，再在此输入6位配对码（或扫描二维码）",
        "Ask the foreman for a code: Dispatch board → Pair a screen; type its 6 digits here"
        " (or scan its QR)",
    ),
    "pairing.code": ("配对码", "Pairing code"),
    "pairing.submit": ("配对", "Pair"),
    "pairing.wrong": ("配对码不对或已过期", "Wrong or expired code"),
    "pairing.wait": ("错误次数过多，请等 {s} 秒", "Too many wrong codes: wait {s} s"),
    # pairing screens on the dispatch board
    "pairing.panel": ("已配对的工位屏幕", "Paired kiosk screens"),
    "pairing.for_bay": ("工位", "Bay"),
    "pairing.new": ("配对屏幕", "Pair a screen"),
    "pairing.pick_bay": ("请先选工位", "Pick the bay first"),
    "pairing.code_for": (
        "{bay} 的配对码，{until} 前有效，只能用一次：在平板上打开工位页面输入，或扫码",
        "Code for {bay}, valid until {until}, once: type it on the tablet's kiosk page, or"
        " scan the QR",
    ),
    "pairing.open_code": (
        "{bay} 有一个配对码待用（{until} 前）",
        "A code for {bay} waits (until {until})",
    ),
    "pairing.none": ("还没有配对的屏幕", "No paired screens yet"),
    "pairing.line": (
        "{bay} · {client} · {at} 由 {by} 配对 · 最近 {seen}",
        "{bay} · {client} · paired {at} by {by} · seen {seen}",
    ),
    "pairing.revoke": ("解除", "Revoke"),
    # what the kiosk and the boards both name
    "readiness.ready": ("可开工", "Ready"),
    "readiness.waiting_parts": ("待料", "Waiting parts"),
    "readiness.waiting_approval": ("待客户确认", "Waiting approval"),
    "readiness.in_progress": ("维修中", "In progress"),
    "readiness.paused": ("暂停", "Paused"),
    "severity.safety": ("安全隐患", "Safety"),
    "severity.recommended": ("建议维修", "Recommended"),
    "severity.advisory": ("提醒关注", "Advisory"),
    "finding_state.pending": ("待客户确认", "Awaiting answer"),
    "finding_state.approved": ("客户同意", "Approved"),
    "finding_state.declined": ("客户拒绝", "Declined"),
    "event.tech.signed_in": ("签到", "sign in"),
    "event.tech.signed_out": ("签退", "sign out"),
    "event.tech.sign_in_refused": ("签到被拒", "refused sign-in"),
    "event.job.started": ("开始", "start"),
    "event.queue.reordered": ("调整队列顺序", "queue reordered"),
    "event.job.priority_set": ("设置优先级", "priority set"),
    "event.job.paused": ("暂停", "pause"),
    "event.job.resumed": ("继续", "resume"),
    "event.job.finding": ("增项", "finding"),
    "event.job.self_checked": ("完工自检", "finish"),
    "event.job.leader_checked": ("复检", "leader check"),
    "event.qc.passed": ("总检合格", "QC pass"),
    "event.qc.failed": ("总检不合格", "QC fail"),
    "event.wash.started": ("开始洗车", "wash start"),
    "event.wash.done": ("洗车完成", "wash done"),
    # lounge and status page
    "lounge.title": ("车辆维修进度", "Service progress"),
    "lounge.empty": ("今天暂无在店车辆", "No cars in the workshop today"),
    "lounge.page": ("第 {n} / {of} 页", "Page {n} of {of}"),
    "lounge.plate": ("车牌", "Plate"),
    "lounge.car": ("车型", "Car"),
    "lounge.stage": ("进度", "Stage"),
    "lounge.promised": ("预计交车", "Promised"),
    # the welcome board at reception: today's booked cars
    "welcome.title": ("预约欢迎", "Welcome"),
    "welcome.greeting": (
        "欢迎光临！预约的客户请到前台，服务顾问在等您",
        "Welcome! Booked guests, please come to the desk: your advisor is expecting you",
    ),
    "welcome.time": ("预约时间", "Time"),
    "welcome.plate": ("车牌", "Plate"),
    "welcome.car": ("车型", "Car"),
    "welcome.advisor": ("服务顾问", "Advisor"),
    "welcome.state": ("状态", "Status"),
    "welcome.arrived": ("已到店", "Arrived"),
    "welcome.expected": ("待到店", "Expected"),
    "welcome.empty": ("今天暂无预约车辆", "No booked cars today"),
    "notice.ready": ("请到前台提车", "Please come to the front desk"),
    "notice.at_risk": ("服务顾问将与您联系", "Your advisor will contact you"),
    "status.none": ("未找到该车辆", "No such car"),
    "status.predicted": ("预计完工", "Expected"),
    # stages of a car, as the customer is told
    "stage.checked_in": ("已接车", "Checked in"),
    "stage.waiting": ("等待维修", "Waiting"),
    "stage.in_progress": ("维修中", "In progress"),
    "stage.quality_check": ("质检中", "Quality check"),
    "stage.wash": ("洗车中", "Washing"),
    "stage.ready": ("可提车", "Ready"),
    # pause reasons
    "pause.waiting_parts": ("待料", "Waiting parts"),
    "pause.waiting_approval": ("待客户确认", "Waiting approval"),
    "pause.tool": ("设备/工具", "Tool / equipment"),
    "pause.break": ("休息", "Break"),
    "pause.shift_end": ("下班", "Shift end"),
    "pause.signed_out": ("已签退", "Signed out"),
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
    "dispatch.refused": ("{ro} 未能派工：{why}", "{ro} not dispatched: {why}"),
    "dispatch.waiting_customer": ("客户在店等", "Customer waiting"),
    # the Gantt: the plan (排班) along the top of a bay's row, what happened below it
    "gantt.planned": ("计划 {ro} {span}", "Planned {ro} {span}"),
    "gantt.reserved": ("预约 {time} {plate}", "Booked {time} {plate}"),
    "gantt.legend_planned": ("计划", "Planned"),
    "gantt.legend_actual": ("实际作业", "Work done"),
    "gantt.legend_pause": ("暂停", "Paused"),
    "gantt.legend_reserved": ("预约车辆", "Booked car"),
    # the schedule: the days ahead, booked hours against what the teams and bays can do
    "schedule.title": ("排班负荷", "Schedule"),
    "schedule.heading": ("今天和未来一周的预约负荷", "Booked load, today and the week ahead"),
    "schedule.hint": (
        "已预约的标准工时 / 当天可用工时（技师工时按 {efficiency}% 折算）；黄色将满，红色已超",
        "Standard hours booked of those there are that day (a technician's hour counted at"
        " {efficiency}%); amber nearly full, red over",
    ),
    "schedule.day": ("日期", "Day"),
    "schedule.cars": ("预约车辆", "Cars booked"),
    "schedule.date": ("{month}月{day}日 {weekday}", "{weekday} {month}/{day}"),
    "schedule.today": ("今天", "Today"),
    "schedule.tomorrow": ("明天", "Tomorrow"),
    "schedule.fill": ("{booked} / {capacity} 小时", "{booked} of {capacity} h"),
    "schedule.closed": ("休息", "Closed"),
    "weekday.0": ("周一", "Mon"),
    "weekday.1": ("周二", "Tue"),
    "weekday.2": ("周三", "Wed"),
    "weekday.3": ("周四", "Thu"),
    "weekday.4": ("周五", "Fri"),
    "weekday.5": ("周六", "Sat"),
    "weekday.6": ("周日", "Sun"),
    "bay_kind.general": ("机修工位", "General bays"),
    "bay_kind.alignment": ("四轮定位工位", "Alignment bays"),
    "bay_kind.body": ("钣金工位", "Body bays"),
    "bay_kind.paint": ("喷漆工位", "Paint bays"),
    "bay_kind.wash": ("洗车位", "Wash bays"),
    "bay_kind.qc": ("质检工位", "QC stations"),
    # a bay's queue, as the foreman orders it
    "queue.title": ("工位队列", "Bay queue"),
    "queue.bay": ("工位", "Bay"),
    "queue.hint": (
        "上移、下移或拖到另一辆车上调整顺序；加急的车排在普通车前面",
        "Move up, down or drag onto another car; urgent cars go ahead of the others",
    ),
    "queue.up": ("上移", "Move up"),
    "queue.down": ("下移", "Move down"),
    "queue.not_urgent": ("取消加急", "Not urgent"),
    "queue.planned": ("计划 {span}", "planned {span}"),
    "queue.refused": ("{ro} 未能调整：{why}", "{ro} not changed: {why}"),
    "priority.normal": ("普通", "Normal"),
    "priority.urgent": ("加急", "Urgent"),
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
    # a device online but not whole (DeviceStatus.problem)
    "device.reader_down": ("读卡器断开，钥匙状态暂停更新", "Key reader down: key custody on hold"),
    "alert.promise_at_risk": ("可能误时", "Promise at risk"),
    "alert.approval_call": ("请致电客户确认增项", "Call the customer about a finding"),
    "alert.approval_escalate": ("增项久未确认，已升级", "Finding unanswered: escalated"),
    "alert.key_out_too_long": ("钥匙外借过久", "Key out too long"),
    "alert.device_offline": ("设备离线", "Device offline"),
    "alert.print_failed": ("打印失败", "Print failed"),
    "alert.tech_moved": ("技师换工位", "Technician moved bay"),
    "alert.sign_in_refused": ("签到被拒：PIN错误或工牌未知", "Sign-in refused: wrong PIN or badge"),
    "alert.sign_in_locked": ("签到错误过多，须等待", "Sign-in locked after wrong tries"),
    # why a printer did not print (devices/printers.py PrintError reasons)
    "printer.paper_out": ("缺纸", "Out of paper"),
    "printer.offline": ("连不上打印机", "Printer unreachable"),
    "printer.timeout": ("打印机无响应", "Printer did not answer"),
    "printer.failed": ("打印机故障", "Printer fault"),
    "escalation.call": ("需致电", "Call"),
    "escalation.escalate": ("已升级", "Escalated"),
    "minutes": ("{n} 分钟", "{n} min"),
    "overrun": ("超时", "Overrun"),
    # repair order timeline and clock corrections
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
    "correct.bad_time": ("时间请按 时:分 填写，如 09:30", "Times as hours:minutes, e.g. 09:30"),
    "order.stage": ("进度", "Stage"),
    "correct.done": ("已更正，原记录保留在审计日志", "Corrected; the original stays in the log"),
    # reception desk
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
    # what brings a car in, as it is booked (the job type)
    "job_type.maintenance": ("保养", "Maintenance"),
    "job_type.repair": ("维修", "Repair"),
    "job_type.warranty": ("保修", "Warranty"),
    "job_type.accident": ("事故车", "Accident"),
    "job_type.recall": ("召回", "Recall"),
    "job_type.quick_service": ("快修", "Quick service"),
    "job_type.comeback": ("返修", "Comeback"),
    # where an appointment stands
    "appointment.booked": ("已预约", "Booked"),
    "appointment.arrived": ("已到店", "Arrived"),
    "appointment.checked_in": ("已接车", "Checked in"),
    "appointment.no_show": ("未到店", "No-show"),
    "appointment.cancelled": ("已取消", "Cancelled"),
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
    # the boards: their tabs' titles, the store's trouble, the order timeline's columns
    # and lines, and the efficiency table's columns
    "error.store_unavailable": ("数据库暂时无法写入", "the database cannot be written to"),
    "order.at": ("时间", "When"),
    "order.type": ("事件", "What"),
    "order.source": ("来源", "By"),
    "order.bay": ("工位", "Bay"),
    "order.detail": ("详情", "Detail"),
    "order.print": ("打印{document}", "print {document}"),
    "order.segment.work": ("作业", "work"),
    "order.segment.pause": ("暂停", "pause"),
    "event.job.checked_in": ("接车", "check-in"),
    "event.job.updated": ("修改工单", "order changed"),
    "event.job.dispatched": ("派工", "dispatch"),
    "event.job.cancelled": ("取消工单", "order cancelled"),
    "event.job.delivered": ("交车", "hand-over"),
    "event.job.followed_up": ("回访", "follow-up call"),
    "event.finding.reported": ("报增项", "finding reported"),
    "event.finding.answered": ("客户答复增项", "finding answered"),
    "event.key.in": ("钥匙挂回", "key hung up"),
    "event.key.out": ("钥匙取走", "key taken"),
    "event.key.hung_up": ("钥匙挂回", "key hung up"),
    "event.key.taken_out": ("钥匙取走", "key taken"),
    "event.clock.adjusted": ("更正工时", "clock corrected"),
    "event.clock.pause_inserted": ("补记暂停", "pause added"),
    "event.clock.moved": ("工时改到其他工单", "clock moved to another order"),
    "event.print.done": ("打印完成", "printed"),
    "event.print.failed": ("打印失败", "print failed"),
    "reports.technician": ("技师", "Technician"),
    "reports.standard_hours": ("标准工时 (h)", "Standard (h)"),
    "reports.worked_hours": ("实际工时 (h)", "Worked (h)"),
    "reports.efficiency_pct": ("效率", "Efficiency"),
    # refusals, by the error code the core answers with, in plain words
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
    "error.seq_taken": ("编号已被占用，正在重新发送", "Number already used; sending again"),
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
    "error.unknown_appointment": ("找不到这个预约", "No such appointment"),
    "error.priority_order": (
        "加急的车须排在普通车前面；要换顺序，请先改优先级",
        "Urgent cars stay ahead of normal ones; change the priority first",
    ),
    "error.not_a_slot": (
        "这个时间不是可预约的接待时段（或是预留的机动时段）",
        "That time is not a reception slot that can be booked (or is a buffer kept free)",
    ),
    "error.slot_taken": ("这位服务顾问在这个时段已有预约", "The advisor already has a car then"),
    "error.overbooked": (
        "当天该班组或工位的工时已约满；请换个时间，或填写原因强制预约",
        "That day is full for the team or the bays; pick another time, or book it anyway"
        " with a reason",
    ),
    "error.bay_kind_needed": (
        "这项作业需要专用工位（如四轮定位），不能派到这个工位；确需派工请填写原因",
        "This work needs a special bay (e.g. alignment), not this one; to send it anyway, give a"
        " reason",
    ),
    "error.unknown": ("操作未被接受", "The action was not accepted"),
    "error.duplicate_job": ("这个工单号已经存在", "This repair order already exists"),
    "error.unknown_segment": ("找不到这段工时记录", "No such stretch of work on this order"),
    "error.bad_correction": (
        "更正后的时间不合理：结束早于开始、晚于现在、与其他记录重叠，或没填原因",
        "The corrected times cannot be: end before start, in the future, over another"
        " stretch, or no reason given",
    ),
    "error.future_timestamp": (
        "本终端的时钟比服务器快 — 请校准时间后再操作",
        "This device's clock is ahead of the server's: set its time, then tap again",
    ),
    "dispatch.nothing_to_dispatch": ("暂无可派工单", "Nothing to dispatch"),
    "dispatch.force_title": ("仍将 {ro} 派往 {bay}？", "Send {ro} to {bay} all the same?"),
    "dispatch.force_reason": ("原因（记入工单记录）", "Why (kept in the order's record)"),
    "dispatch.force_go": ("填写原因后派工", "Dispatch with this reason"),
    "dispatch.store_problem": (
        "系统无法保存数据，看板已停止更新（{why}）— 请联系管理员",
        "The system cannot store anything; the board has stopped moving ({why}). Call the admin",
    ),
    "error.unauthorized": ("请先登录", "Sign in first"),
    "error.forbidden": ("此令牌只能读取，不能更改", "This token may only read"),
    # who signs in to the pages
    "role.foreman": ("车间主管", "Foreman"),
    "role.advisor": ("服务顾问", "Service advisor"),
    "role.qc": ("质检员", "QC inspector"),
    "role.manager": ("服务经理", "Service manager"),
    # prints, as the dispatch board lists them
    "document.job_ticket": ("任务委托书", "Job ticket"),
    "document.key_tag": ("钥匙牌", "Key tag"),
    "document.pickup_card": ("取车凭证", "Pickup card"),
    "document.gate_pass": ("出门证", "Gate pass"),
    "print_state.pending": ("待打印", "Waiting"),
    "print_state.done": ("已打印", "Printed"),
    "print_state.failed": ("未打印", "Not printed"),
    "error.http_error": ("请求未被接受", "The request was not accepted"),
    # a page the signed-in person's role may not open
    "denied.title": ("无权打开此页面", "Not your page"),
    "denied.text": (
        "您无权打开此页面 — 当前登录：{name}（{role}）",
        "You may not open this page — signed in as {name} ({role})",
    ),
    "denied.back": ("返回首页", "Back to the start page"),
    "denied.switch": ("换人登录", "Sign in as someone else"),
    "index.title": ("首页", "Start"),
    # who a line of the audit log came from
    "source.board": ("看板 {address}", "board at {address}"),
    "source.kiosk": ("{bay} 工位终端", "kiosk at {bay}"),
    "source.printer": ("打印机 {printer}", "printer {printer}"),
    "source.bridge": ("设备网关 {device}", "device bridge {device}"),
    "source.core": ("系统", "the system"),
    "printer_role.desk": ("前台打印机", "desk printer"),
    "printer_role.workshop": ("车间打印机", "workshop printer"),
    # what a line of the audit log says, as a sentence
    "detail.because": ("{what}：{why}", "{what}: {why}"),
    "detail.tech.signed_in": ("{tech} 签到", "{tech} signed in"),
    "detail.tech.signed_out": ("{tech} 签退", "{tech} signed out"),
    "detail.tech.sign_in_refused": ("{tech} 签到被拒", "{tech} was refused sign-in"),
    "detail.job.started": ("{tech} 开始作业", "{tech} started work"),
    "detail.job.resumed": ("{tech} 继续作业", "{tech} resumed work"),
    "detail.job.paused": ("{tech} 暂停：{reason}", "{tech} paused: {reason}"),
    "detail.job.finding": (
        "{tech} 报增项：{title}（{severity}，{hours} 小时，配件 ¥{parts}）",
        "{tech} reported a finding: {title} ({severity}, {hours} h, parts ¥{parts})",
    ),
    "detail.job.self_checked": ("{tech} 完工自检", "{tech} finished (self-check)"),
    "detail.job.leader_checked": ("{tech} 复检通过", "{tech} passed the leader check"),
    "detail.qc.passed": ("{tech} 总检合格", "{tech} passed QC"),
    "detail.qc.failed": ("{tech} 总检不合格：{items}", "{tech} failed QC: {items}"),
    "detail.wash.started": ("{tech} 开始洗车", "{tech} started the wash"),
    "detail.wash.done": ("{tech} 洗车完成", "{tech} finished the wash"),
    "detail.key.in": ("钥匙牌 {tag} 挂回 {hook}", "key tag {tag} hung up {hook}"),
    "detail.key.out": ("{holder} 取走钥匙牌 {tag}", "{holder} took key tag {tag}"),
    "detail.job.checked_in": (
        "接车：{car}，{n} 个维修项目，承诺 {promised} 交车",
        "checked in: {car}, {n} operations, promised {promised}",
    ),
    "detail.job.dispatched": ("派往 {bay}", "dispatched to {bay}"),
    "detail.queue.reordered": ("排到 {ahead} 之前", "put before {ahead}"),
    "detail.queue.last": ("排到同级队尾", "put last of its priority"),
    "detail.job.priority_set": ("优先级：{priority}", "priority: {priority}"),
    "detail.job.cancelled": ("取消原因：{reason}", "cancelled: {reason}"),
    "detail.clocks.paused_all": ("全部计时暂停：{reason}", "every clock paused: {reason}"),
    "detail.clock.adjusted": (
        "{tech} 的工时 {was} 改为 {now}，原因：{reason}",
        "{tech}'s clock {was} set to {now}, because: {reason}",
    ),
    "detail.clock.pause_inserted": (
        "{tech} 补记暂停 {span}（{pause}），原因：{reason}",
        "{tech}: pause added {span} ({pause}), because: {reason}",
    ),
    "detail.clock.moved": (
        "{tech} {start} 起的工时改到 {to_ro}，原因：{reason}",
        "{tech}'s clock from {start} moved to {to_ro}, because: {reason}",
    ),
    "detail.signin.refused": ("{user} 密码错误", "wrong password for {user}"),
    "detail.signin.locked": ("{who} 锁定 {minutes} 分钟", "{who} locked for {minutes} min"),
    "detail.session": ("{user} · {address}", "{user} · {address}"),
    "detail.token": ("{name} · {scope}", "{name} · {scope}"),
    # the fuel gauge at check-in (the values stay E … F)
    "fuel.E": ("空", "E"),
    "fuel.F": ("满", "F"),
    # devices, as the dispatch board's panel names them
    "device.kiosk": ("{bay} 工位终端", "Kiosk {bay}"),
    "device.core": ("系统核心", "Core"),
}


def text(key: str, lang: Lang, **params: object) -> str:
    """The text for ``key`` in ``lang``; an unknown key shows as itself."""
    zh, en = TEXTS.get(key, (key, key))
    chosen = zh if lang == "zh" else en
    return chosen.format(**params) if params else chosen


def texts_for(lang: Lang) -> Texts:
    """``t(key, **params)`` in one language, for a page to draw with."""

    def t(key: str, **params: object) -> str:
        return text(key, lang, **params)

    return t


def both(key: str, **params: object) -> str:
    """Chinese and English together, for screens read by everyone (the lounge)."""
    return f"{text(key, 'zh', **params)} {text(key, 'en', **params)}"


def error_text(code: str | None, lang: Lang) -> str:
    """A refusal's code in plain words; a code without a text of its own says "not accepted"."""
    key = f"error.{code}"
    return text(key if key in TEXTS else "error.unknown", lang)


def problem_text(code: str, lang: Lang) -> str:
    """A device's problem code (a printer's ``paper_out``, the bridge's ``reader_down``) in
    plain words."""
    for key in (f"device.{code}", f"printer.{code}"):
        if key in TEXTS:
            return text(key, lang)
    return text("printer.failed", lang)


def refusal(code: str | None, message: str, lang: Lang) -> str:
    """What a screen shows for a refusal: the code's text; the message only goes to the log."""
    logger.info("refused (%s): %s", code, message)
    return error_text(code, lang)
