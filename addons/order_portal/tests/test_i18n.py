from babel.messages.pofile import read_po

from odoo.tests import BaseCase, tagged
from odoo.tools.misc import file_path


@tagged("post_install", "-at_install")
class TestTranslations(BaseCase):
    def test_every_term_has_a_zh_cn_translation(self):
        with open(file_path("order_portal/i18n/order_portal.pot"), "rb") as pot_file:
            terms = {message.id for message in read_po(pot_file) if message.id}
        with open(file_path("order_portal/i18n/zh_CN.po"), "rb") as po_file:
            translated = {m.id for m in read_po(po_file) if m.id and m.string}
        self.assertFalse(terms - translated, "Every term of the template is translated")
