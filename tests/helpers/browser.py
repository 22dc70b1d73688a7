"""What every browser test's chromium is started with."""

import os


def chinese_browser_env() -> dict[str, str]:
    """The browser's own language, Chinese: its native date and month pickers (2026/01/01,
    2026年01月) and their segments' order, as the context's ``locale="zh-CN"`` already makes
    Accept-Language, ``navigator.language`` and ``Intl``. On Linux chromium takes its UI
    language from ``LANGUAGE`` (``--lang`` is ignored there) and needs Debian's
    ``chromium-l10n`` locale pack (without it, the pickers stay in English; nothing fails).
    The pages' language stays the site's own choice (its 简体中文/English switch)."""
    return {**os.environ, "LANGUAGE": "zh_CN"}
