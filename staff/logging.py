"""Logs never carry ID numbers or names (个人信息不落日志).

``PersonalDataFilter`` sits on every handler of the project's logging configuration: it
renders the record, masks anything shaped like an ID number (15 or 18 characters, the last
possibly X) and every run of Chinese characters (names; our own log text is English), and
does the same to the traceback (a database error's detail repeats the values it refused).
"""

from __future__ import annotations

import logging
import re

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{14}(?:\d{3}[0-9Xx]|\d)(?![0-9A-Za-z])")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u00b7]+")


def redact(text: str) -> str:
    return HAN.sub("＊", ID_NUMBER.sub("[id]", text))


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logged as it stands
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
