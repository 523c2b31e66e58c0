"""zh_CN translations of addons/order_project cover every exported term (no Odoo needed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

I18N = Path(__file__).resolve().parents[1] / "addons" / "order_project" / "i18n"
PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|%d")


def read_po(path: Path) -> dict[str, str]:
    """Map msgid -> msgstr of a .po/.pot file (enough of the format for Odoo's exports)."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if line.startswith("msgid "):
            if msgid is not None:
                entries[msgid] = msgstr or ""
            msgid, msgstr, current = ast.literal_eval(line[6:]), None, "id"
        elif line.startswith("msgstr "):
            msgstr, current = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"') and current == "id":
            msgid += ast.literal_eval(line)
        elif line.startswith('"') and current == "str":
            msgstr += ast.literal_eval(line)
        else:
            current = None
    if msgid is not None:
        entries[msgid] = msgstr or ""
    entries.pop("", None)
    return entries


def test_every_term_has_a_chinese_translation():
    template = read_po(I18N / "order_project.pot")
    chinese = read_po(I18N / "zh_CN.po")
    assert len(template) > 300
    missing = sorted(msgid for msgid in template if not chinese.get(msgid))
    assert missing == [], f"untranslated in zh_CN.po: {missing[:10]}"


def test_translations_keep_their_placeholders():
    for msgid, msgstr in read_po(I18N / "zh_CN.po").items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid


def test_shipped_templates_are_translated():
    chinese = read_po(I18N / "zh_CN.po")
    assert chinese["Engineer-to-order manufacturing"] == "按订单设计制造"
    assert chinese["Software delivery"] == "软件交付"
    assert chinese["Architecture design"] == "建筑设计"
